package main

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
)

func newModelCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "model", Short: "Inspect model files"}
	var jsonOut bool
	var top int
	info := &cobra.Command{
		Use:   "info [MODEL]",
		Short: "Print a model's card (the built-in model's without MODEL): data, settings, held-out figures, strongest features",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			path := ""
			if len(args) == 1 {
				path = args[0]
			}
			m, err := loadModel(path)
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			tf := m.TopFeatures(top)
			if jsonOut {
				return json.NewEncoder(w).Encode(map[string]any{"card": m.Card, "top_features": tf})
			}
			c := m.Card
			tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
			fmt.Fprintf(tw, "model\t%s\n", c.ID)
			if !c.Created.IsZero() {
				fmt.Fprintf(tw, "created\t%s by credence %s\n", c.Created.Format("2006-01-02 15:04 MST"), c.CredenceVersion)
			}
			fmt.Fprintf(tw, "algorithm\t%s %v\n", c.Algo, formatOptions(c.Options))
			fmt.Fprintf(tw, "labels\t%s\n", strings.Join(c.Labels, ", "))
			if c.Profile != "" {
				cols := strings.Join(c.Text, ",")
				if cols == "" {
					cols = "of the file's known layout"
				}
				fmt.Fprintf(tw, "text\tprofile %s; columns %s joined by %q\n", c.Profile, cols, c.Join)
			}
			if m.FastText == nil {
				fmt.Fprintf(tw, "features\t%d (word %d-%d-grams, min df %d, sublinear tf-idf)\n", c.NumFeatures, c.Features.MinN, c.Features.MaxN, c.Features.MinDF)
			}
			if c.LabelMap != "" {
				fmt.Fprintf(tw, "label map\t%s\n", c.LabelMap)
			}
			for _, d := range c.Data {
				fmt.Fprintf(tw, "data\t%s: %d rows, %d bytes, sha256 %s\n", d.Path, d.Rows, d.Bytes, d.SHA256)
			}
			if c.Split != "" {
				fmt.Fprintf(tw, "split\t%s: %d train, %d test\n", c.Split, c.TrainRows, c.TestRows)
			}
			if c.HeldOut != nil {
				fmt.Fprintf(tw, "held out\t%s\n", formatOptions(c.HeldOut))
			}
			if b := c.Uncertainty; b != nil {
				fmt.Fprintf(tw, "uncertain\tP(%s) between %.2f and %.2f is reported as uncertain\n", b.Label, b.Low, b.High)
			}
			var keys []string
			for k := range c.Notes {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				fmt.Fprintf(tw, "%s\t%s\n", k, c.Notes[k])
			}
			tw.Flush()
			fmt.Fprintln(w)
			for _, l := range c.Labels {
				if len(tf[l]) == 0 {
					continue // fastText: see credence explain for per-document contributions
				}
				var names []string
				for _, f := range tf[l] {
					names = append(names, f.Feature)
				}
				fmt.Fprintf(w, "strongest toward %s: %s\n", l, strings.Join(names, ", "))
			}
			return nil
		},
	}
	info.Flags().BoolVar(&jsonOut, "json", false, "print JSON")
	info.Flags().IntVar(&top, "top", 15, "strongest features to list per class")
	cmd.AddCommand(info)
	return cmd
}

func formatOptions(m map[string]any) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		v := m[k]
		if f, ok := v.(float64); ok {
			v = fmt.Sprintf("%.4g", f)
		}
		parts = append(parts, fmt.Sprintf("%s=%v", k, v))
	}
	return strings.Join(parts, " ")
}
