"""Organisation: users, departments (a tree), positions, roles held plainly or for an addressing object,
absences and deputies, API tokens."""
