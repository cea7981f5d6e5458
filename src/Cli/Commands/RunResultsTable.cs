using System.Globalization;
using Amber.Storage.Results;
using Spectre.Console;

namespace Amber.Cli.Commands;

/// <summary>
/// The table <c>amber run</c> prints: methods × metrics as mean ± std over folds, overall and per ambiguity level, and for
/// each method with a <c>ce</c> baseline the paired difference in BC against it (folds × seeds, paired t; <c>*</c> when p &lt; 0.05).
/// </summary>
internal static class RunResultsTable
{
    /// <summary>Metrics shown, in column order.</summary>
    public static IReadOnlyList<string> Metrics { get; } = ["bc", "js", "r2", "accuracy", "f1_macro"];

    /// <summary>Levels shown, in row order.</summary>
    public static IReadOnlyList<string> Levels { get; } = ["all", "low", "medium", "high"];

    /// <summary>
    /// Builds the table from the summary's test rows; <paramref name="methods"/> maps trial id → method label, in the
    /// order the rows appear.
    /// </summary>
    public static Table Build(IReadOnlyList<SummaryRow> summary, IReadOnlyList<(string Trial, string Method)> methods)
    {
        var table = new Table().Border(TableBorder.Rounded).Title("test metrics: mean ± std over folds; Δbc vs ce: paired over folds × seeds, * p < 0.05 (paired t)");
        table.AddColumn("method");
        table.AddColumn("level");
        table.AddColumn(new TableColumn("n").RightAligned());
        foreach (var m in Metrics) table.AddColumn(new TableColumn(m).RightAligned());
        table.AddColumn(new TableColumn("Δbc vs ce").RightAligned());
        var index = summary.Where(r => r.Split == "test").ToDictionary(r => (r.Trial, r.Metric, r.Level));
        foreach (var level in Levels)
        {
            foreach (var (trial, method) in methods)
            {
                var cells = new List<string> { Markup.Escape(method), level };
                int folds = index.TryGetValue((trial, Metrics[0], level), out var first) ? first.Folds : 0;
                cells.Add(folds.ToString(CultureInfo.InvariantCulture));
                foreach (var metric in Metrics) cells.Add(index.TryGetValue((trial, metric, level), out var row) ? Format(row) : "–");
                cells.Add(index.TryGetValue((trial, "bc", level), out var bc) ? FormatDifference(bc.VsBaseline) : "–");
                table.AddRow(cells.ToArray());
            }
            if (level != Levels[^1]) table.AddEmptyRow();
        }
        return table;
    }

    /// <summary>"+0.021 p=0.004 *" (significant at 0.05), "+0.003 p=0.412"; "–" without a baseline or a p.</summary>
    public static string FormatDifference(BaselineComparison? vs) => vs switch
    {
        null or { PairedTP: null } => "–",
        _ => string.Create(CultureInfo.InvariantCulture, $"{vs.MeanDifference:+0.000;-0.000} p={vs.PairedTP.Value:0.000}{(vs.PairedTP.Value < 0.05 ? " *" : "")}"),
    };

    /// <summary>"0.712 ± 0.013"; "0.712" with one fold; "–" when undefined.</summary>
    public static string Format(SummaryRow row) => row switch
    {
        { Mean: null } => "–",
        { Std: null } => row.Mean.Value.ToString("0.000", CultureInfo.InvariantCulture),
        _ => string.Create(CultureInfo.InvariantCulture, $"{row.Mean.Value:0.000} ± {row.Std.Value:0.000}"),
    };
}
