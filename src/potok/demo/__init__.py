"""The demo company ООО «Северный ветер» of SCENARIOS.md, built through the same services an
administrator uses, deterministically for a given seed."""
