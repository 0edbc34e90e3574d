package render

import (
	"bytes"
	"io"
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/expand"
	"github.com/gatehouse-dev/gatehouse/internal/model"
	"github.com/gatehouse-dev/gatehouse/internal/state"
)

func showFixture() Show {
	pos := func(line int) model.Pos { return model.Pos{File: "gatehouse.yaml", Line: line, Col: 5} }
	return Show{
		OrganizationID: "o-a1b2c3d4e5",
		Rows: []expand.Row{
			{PrincipalType: state.PrincipalGroup, PrincipalName: "Engineers", AccountID: "999999999999", AccountName: "abccorp-prod", External: true, PermissionSet: "Admin", Assignment: pos(41)},
			{PrincipalType: state.PrincipalGroup, PrincipalName: "Engineers", AccountID: "555555555555", AccountName: "Data Lake", PermissionSet: "ReadOnly", Assignment: pos(37)},
			{PrincipalType: state.PrincipalGroup, PrincipalName: "Engineers", AccountID: "333333333333", AccountName: "production", PermissionSet: "ReadOnly", Assignment: pos(37)},
			{PrincipalType: state.PrincipalGroup, PrincipalName: "Platform", AccountID: "111111111111", AccountName: "management", PermissionSet: "AdministratorAccess", Assignment: pos(45)},
			{PrincipalType: state.PrincipalUser, PrincipalName: "alice", AccountID: "222222222222", AccountName: "staging", PermissionSet: "PowerUser", Assignment: pos(49)},
		},
	}
}

func TestShowGolden(t *testing.T) {
	t.Parallel()
	empty := Show{OrganizationID: "o-a1b2c3d4e5"}
	for _, tc := range []struct {
		name   string
		render func(io.Writer, Show) error
		in     Show
	}{
		{"show.table.golden", ShowTable, showFixture()},
		{"show.json.golden", ShowJSON, showFixture()},
		{"show-empty.table.golden", ShowTable, empty},
		{"show-empty.json.golden", ShowJSON, empty},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := tc.render(&buf, tc.in); err != nil {
				t.Fatal(err)
			}
			golden(t, tc.name, buf.Bytes())
		})
	}
}

func TestShowSummaryLine(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	for _, s := range []ShowSummary{
		{Rows: expand.RowSummary{Rows: 14, Principals: 3, Accounts: 4, PermissionSets: 2}, OrganizationID: "o-a1b2c3d4e5", OrgAccounts: 7, Calls: 20},
		{Rows: expand.RowSummary{Rows: 1, Principals: 1, Accounts: 1, PermissionSets: 1}, OrganizationID: "o-a1b2c3d4e5", OrgAccounts: 1, Calls: 1},
		{OrganizationID: "o-a1b2c3d4e5"},
	} {
		if err := ShowSummaryLine(&buf, s); err != nil {
			t.Fatal(err)
		}
	}
	golden(t, "show-summary.golden", buf.Bytes())
}
