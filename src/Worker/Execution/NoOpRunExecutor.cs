using Amber.Grains.Contracts;
namespace Amber.Worker.Execution;

/// <summary>
/// An executor that trains nothing: it reports <c>epochs</c> synthetic epochs and returns a fixed set of metric rows.
/// Used by the scheduler benchmark (pure scheduling overhead) and by tests of the silo's plumbing.
/// </summary>
/// <param name="epochs">Learning-curve points to report per run.</param>
/// <param name="metricRows">Final metric rows per run (names m0, m1, … with values seed + i + fold / 10).</param>
/// <param name="epochDelay">Time each epoch takes (zero: none), so failure drills can stop a worker in the middle of a run.</param>
public sealed class NoOpRunExecutor(int epochs = 0, int metricRows = 4, TimeSpan epochDelay = default) : IRunExecutor
{
    /// <inheritdoc />
    public async Task<RunOutcome> ExecuteAsync(RunAssignment run, IRunContext context, CancellationToken cancellationToken)
    {
        for (int e = 1; e <= epochs; e++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (epochDelay > TimeSpan.Zero) await Task.Delay(epochDelay, cancellationToken).ConfigureAwait(false);
            await context.ReportEpochAsync(new EpochProgress(e, new Dictionary<string, double> { ["loss"] = 1.0 / e }), cancellationToken).ConfigureAwait(false);
        }
        var rows = new MetricRow[metricRows];
        for (int i = 0; i < metricRows; i++) rows[i] = new MetricRow("test", "all", "m" + i, run.Protocol.Seed + i + run.Protocol.Fold / 10.0);
        return new RunOutcome(rows, new Dictionary<string, string>(), epochs);
    }
}
