using Amber.Grains.Contracts;
using Amber.Grains.Specs;
using Amber.Grains.Sweeps;

namespace Amber.Grains.Tests.Sweeps;

public sealed class ObjectiveValuesTests
{
    private static RunResult Result(string status, int attempt, params MetricRow[] rows) =>
        new("r", 1, 1, status, attempt, rows, new Dictionary<string, string>(), null);

    private static readonly IReadOnlyList<CurvePoint> Curve =
    [
        new(2, 1, "val_js", 0.30), new(2, 1, "val_bc", 0.60),
        new(2, 2, "val_js", 0.20), new(2, 2, "val_bc", 0.70),     // the kept epoch: lowest val_js
        new(2, 3, "val_js", 0.25), new(2, 3, "val_bc", 0.75),
        new(1, 1, "val_js", 0.01), new(1, 1, "val_bc", 0.99),     // an older attempt: not this run's result
    ];

    [Fact]
    public void Validation_objectives_read_the_kept_epoch_of_the_committed_attempt()
    {
        Assert.Equal(0.20, ObjectiveValues.Of(ObjectiveSpec.Default, Result("succeeded", 2), Curve));
        Assert.Equal(0.70, ObjectiveValues.Of(new ObjectiveSpec("bc", "validation", "all", true), Result("succeeded", 2), Curve));
    }

    [Fact]
    public void Committed_rows_win_over_the_curve_and_test_objectives_read_rows_by_level()
    {
        var result = Result("succeeded", 2, new MetricRow("validation", "all", "js", 0.22), new MetricRow("test", "high", "bc", 0.81), new MetricRow("test", "all", "bc", 0.77));
        Assert.Equal(0.22, ObjectiveValues.Of(ObjectiveSpec.Default, result, Curve));
        Assert.Equal(0.81, ObjectiveValues.Of(new ObjectiveSpec("bc", "test", "high", true), result, Curve));
        Assert.Null(ObjectiveValues.Of(new ObjectiveSpec("bc", "test", "low", true), result, Curve));
    }

    [Fact]
    public void Runs_without_results_have_no_value()
    {
        Assert.Null(ObjectiveValues.Of(ObjectiveSpec.Default, null, Curve));
        Assert.Null(ObjectiveValues.Of(ObjectiveSpec.Default, Result("failed", 2), Curve));
        Assert.Null(ObjectiveValues.Of(ObjectiveSpec.Default, Result("succeeded", 3), Curve));   // no curve for that attempt
    }
}
