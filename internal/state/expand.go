package state

// Desired expansion of a model against an organization lives here
// (assignments, users, groups, permission sets); roles and the hop
// permission sets of external accounts are added by expandRoles.
