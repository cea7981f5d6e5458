using Amber.Grains.Contracts;
using Amber.Grains.Runs;
using Amber.Grains.Sweeps;

namespace Amber.Grains.Tests.Sweeps;

public sealed class SweepDecisionsTests
{
    private static RunInfo Run(RunStatus status, int attempt) =>
        new("r", "s", "t", 0, 1, 1, status, attempt, 0, 1, [], null, null, DateTimeOffset.UnixEpoch, new Dictionary<string, string>());

    [Theory]
    // current status, current attempt, reported status, reported attempt → verdict
    [InlineData(RunStatus.Queued, 0, RunStatus.Running, 1, ReportVerdict.Update)]
    [InlineData(RunStatus.Running, 1, RunStatus.Succeeded, 1, ReportVerdict.Finish)]
    [InlineData(RunStatus.Running, 1, RunStatus.Queued, 1, ReportVerdict.Update)]          // lease lapsed, requeued
    [InlineData(RunStatus.Running, 2, RunStatus.Succeeded, 1, ReportVerdict.Ignore)]       // late report of an older attempt
    [InlineData(RunStatus.Succeeded, 1, RunStatus.Succeeded, 1, ReportVerdict.Ignore)]     // a repeat never counts twice
    [InlineData(RunStatus.Failed, 3, RunStatus.Queued, 4, ReportVerdict.Ignore)]           // a finished run never changes
    [InlineData(RunStatus.Queued, 0, RunStatus.Cancelled, 0, ReportVerdict.Finish)]
    [InlineData(RunStatus.Gathering, 1, RunStatus.Failed, 1, ReportVerdict.Finish)]
    public void A_report_counts_once_and_only_for_the_current_attempt(RunStatus current, int currentAttempt, RunStatus reported, int reportedAttempt, ReportVerdict expected) =>
        Assert.Equal(expected, SweepDecisions.OnReport(Run(current, currentAttempt), Run(reported, reportedAttempt)));

    [Theory]
    // trials, max trials, exhausted, active, queued, max parallel, stopped → ask another trial?
    [InlineData(0, 10, false, 0, 0, 4, false, true)]    // a new sweep asks
    [InlineData(3, 10, false, 2, 1, 4, false, true)]    // one lane free and nothing waiting
    [InlineData(3, 10, false, 2, 2, 4, false, false)]   // the waiting runs fill the free lanes
    [InlineData(3, 10, false, 4, 0, 4, false, false)]   // the budget is in use
    [InlineData(10, 10, false, 0, 0, 4, false, false)]  // max_trials reached
    [InlineData(3, 10, true, 0, 0, 4, false, false)]    // the sampler has nothing more
    [InlineData(3, 10, false, 0, 0, 4, true, false)]    // cancelled
    public void Trials_are_asked_as_capacity_frees(int trials, int maxTrials, bool exhausted, int active, int queued, int parallel, bool stopped, bool expected) =>
        Assert.Equal(expected, SweepDecisions.ShouldAskTrial(new SweepCounts(trials, maxTrials, exhausted, active, queued, active + queued, parallel, stopped)));

    [Theory]
    [InlineData(3, 4, false, true)]
    [InlineData(4, 4, false, false)]
    [InlineData(0, 4, true, false)]
    public void Leasing_stays_within_the_parallel_budget(int active, int parallel, bool stopped, bool expected) =>
        Assert.Equal(expected, SweepDecisions.MayLease(new SweepCounts(1, 1, false, active, 0, active, parallel, stopped)));

    [Theory]
    // trials, max trials, exhausted, unfinished runs, stopped → done?
    [InlineData(10, 10, false, 0, false, true)]     // every trial asked and every run final
    [InlineData(10, 10, false, 1, false, false)]    // a run left
    [InlineData(4, 10, false, 0, false, false)]     // more trials to ask: not done although every run is final
    [InlineData(4, 10, true, 0, false, true)]       // the grid is exhausted
    [InlineData(4, 10, false, 0, true, true)]       // cancelled and every run final
    [InlineData(4, 10, false, 2, true, false)]      // cancelled, runs still being cancelled
    public void A_sweep_is_done_when_every_run_is_final_and_no_trial_is_left(int trials, int maxTrials, bool exhausted, int unfinished, bool stopped, bool expected) =>
        Assert.Equal(expected, SweepDecisions.IsDone(new SweepCounts(trials, maxTrials, exhausted, 0, unfinished, unfinished, 4, stopped)));

    [Theory]
    // sweep cancelled, run statuses, whether each run's trial was pruned → final status
    [InlineData(false, new[] { RunStatus.Succeeded, RunStatus.Succeeded }, new[] { false, false }, SweepStatus.Succeeded)]
    [InlineData(false, new[] { RunStatus.Succeeded, RunStatus.Failed }, new[] { false, false }, SweepStatus.Failed)]
    [InlineData(false, new[] { RunStatus.Cancelled, RunStatus.Succeeded }, new[] { false, false }, SweepStatus.Failed)]
    [InlineData(false, new[] { RunStatus.Pruned, RunStatus.Cancelled, RunStatus.Succeeded }, new[] { true, true, false }, SweepStatus.Succeeded)]
    [InlineData(false, new[] { RunStatus.Failed, RunStatus.Cancelled }, new[] { true, true }, SweepStatus.Failed)]
    [InlineData(true, new[] { RunStatus.Succeeded, RunStatus.Cancelled }, new[] { false, false }, SweepStatus.Cancelled)]
    public void The_final_status_follows_the_runs(bool cancelled, RunStatus[] runs, bool[] pruned, SweepStatus expected) =>
        Assert.Equal(expected, SweepDecisions.FinalStatus(cancelled, runs.Zip(pruned)));

    [Theory]
    [InlineData(3, new[] { RunStatus.Succeeded, RunStatus.Succeeded, RunStatus.Running }, false, "running")]
    [InlineData(3, new[] { RunStatus.Succeeded, RunStatus.Succeeded, RunStatus.Succeeded }, false, "succeeded")]
    [InlineData(3, new[] { RunStatus.Succeeded, RunStatus.Failed, RunStatus.Cancelled }, false, "failed")]
    [InlineData(3, new[] { RunStatus.Succeeded, RunStatus.Succeeded, RunStatus.Cancelled }, false, "cancelled")]
    [InlineData(3, new[] { RunStatus.Pruned, RunStatus.Cancelled, RunStatus.Cancelled }, true, "pruned")]
    [InlineData(3, new[] { RunStatus.Succeeded, RunStatus.Succeeded, RunStatus.Cancelled }, true, "pruned")]
    [InlineData(3, new[] { RunStatus.Pruned, RunStatus.Queued, RunStatus.Cancelled }, true, "running")]
    public void A_trial_status_follows_its_runs(int planned, RunStatus[] runs, bool pruned, string expected) =>
        Assert.Equal(expected, SweepDecisions.TrialStatus(planned, runs, pruned));

    [Fact]
    public void A_trial_value_is_the_mean_of_its_runs_that_have_one()
    {
        Assert.Equal(0.3, SweepDecisions.TrialValue([0.2, 0.4, null, double.NaN])!.Value, 12);
        Assert.Null(SweepDecisions.TrialValue([null, null]));
        Assert.Null(SweepDecisions.TrialValue([]));
    }
}
