package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/otsensor/otsensor/alerts"
)

func (a *app) rulesCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "rules",
		Short: "Custom alert rules (CEL conditions in YAML files)",
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "check PATH...",
		Short: "Compile and type-check custom rule files",
		Long: `Check loads rule files (a file, or a directory's *.yaml and *.yml files) as
replay --rules does, and reports each rule that does not compile as
file:line:column: rule "id": message. It exits 1 when any rule is bad.`,
		Example: `  otsensor rules check rules/
  otsensor rules check writes.yaml scans.yaml`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.rulesCheck(args)
		},
	})
	return cmd
}

func (a *app) rulesCheck(paths []string) error {
	rs, bad, err := a.loadRules(paths)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.out, "%d rules ok, %d bad\n", len(rs.Rules()), len(bad))
	if len(bad) > 0 {
		return &exitError{code: exitFailed}
	}
	return nil
}

// loadRules loads custom rules and writes each bad one to stderr. A path
// that cannot be read is a usage error; bad rules are not errors here:
// the caller decides.
func (a *app) loadRules(paths []string) (*alerts.RuleSet, alerts.RuleErrors, error) {
	rs, err := alerts.LoadRules(paths...)
	var bad alerts.RuleErrors
	if err != nil && !errors.As(err, &bad) {
		return nil, nil, &exitError{code: exitUsage, err: fmt.Errorf("rules: %w", err)}
	}
	for _, e := range bad {
		fmt.Fprintln(a.errOut, e)
	}
	return rs, bad, nil
}
