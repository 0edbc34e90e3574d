package apply

import (
	"context"

	"github.com/gatehouse-dev/gatehouse/internal/state"
)

// AssignmentRef is an account assignment with its names resolved to the
// IDs AWS wants; the names stay for messages.
type AssignmentRef struct {
	AccountID        string
	PermissionSet    string
	PermissionSetARN string
	PrincipalType    string // GROUP or USER
	PrincipalName    string
	PrincipalID      string
}

// Target is what apply changes: Identity Center and its Identity Store
// (internal/identitycenter implements it). Every method returns once the
// change is done: asynchronous operations are polled to completion, and a
// FAILED status is an error. Creates must not duplicate: when the outcome
// of a request is unknown, the Target checks before sending it again.
type Target interface {
	CreateUser(ctx context.Context, u state.User) (id string, err error)
	UpdateUser(ctx context.Context, id string, u state.User) error
	DeleteUser(ctx context.Context, id string) error

	CreateGroup(ctx context.Context, g state.Group) (id string, err error)
	UpdateGroup(ctx context.Context, id string, g state.Group) error
	DeleteGroup(ctx context.Context, id string) error

	AddMember(ctx context.Context, groupID, userID string) error
	RemoveMember(ctx context.Context, groupID, userID string) error

	// CreatePermissionSet creates a permission set with all its attributes
	// and policies and marks it as created by gatehouse.
	CreatePermissionSet(ctx context.Context, ps state.PermissionSet) (arn string, err error)
	// UpdatePermissionSet makes the set at arn match after; before is what
	// the plan read, so that only the differences are sent.
	UpdatePermissionSet(ctx context.Context, arn string, before, after state.PermissionSet) error
	DeletePermissionSet(ctx context.Context, arn string) error
	// Provision pushes the latest version of a permission set to one account.
	Provision(ctx context.Context, arn, accountID string) error

	CreateAssignment(ctx context.Context, a AssignmentRef) error
	DeleteAssignment(ctx context.Context, a AssignmentRef) error
}
