"""Start rules: processes that start themselves when records change, on a timer, on a schedule or a
webhook — with the explain trace of every evaluation, dry runs and retroactive starts."""
