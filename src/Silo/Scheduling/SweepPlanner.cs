using System.Globalization;
using Amber.Grains.Runs;
using Amber.Grains.Sampling;
using Amber.Grains.Specs;
using Amber.Grains.Sweeps;
using Amber.Grains.Trials;
using Amber.Grains.Contracts;
using Amber.Silo.Store;

namespace Amber.Silo.Scheduling;

/// <summary>
/// Turns a validated spec into the rows of a new sweep: the sampler's trials (up to the budget) × folds × seeds runs.
/// Ids are URL-safe and sortable: sweep "sw-20261124-171500-3fa2", trial "{sweep}-t002", run "{trial}-f3-s1".
/// </summary>
public static class SweepPlanner
{
    /// <summary>A fresh sweep id from the clock and a random suffix.</summary>
    public static string NewSweepId(DateTimeOffset now) =>
        $"sw-{now.UtcDateTime.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture)}-{Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(3))}";

    /// <summary>Plans <paramref name="spec"/> as sweep <paramref name="sweepId"/>.</summary>
    public static NewSweep Plan(string sweepId, SweepSpec spec, string specText, DateTimeOffset now)
    {
        var parameters = Samplers.Plan(spec);
        var trials = new List<TrialState>(parameters.Count);
        var runs = new List<RunState>(parameters.Count * spec.RunsPerTrial);
        for (int i = 0; i < parameters.Count; i++)
        {
            string trialId = $"{sweepId}-t{i:D3}";
            trials.Add(TrialState.Create(trialId, sweepId, i, parameters[i], spec.RunsPerTrial));
            foreach (int fold in spec.Protocol.Folds)
                foreach (int seed in spec.Protocol.Seeds)
                    runs.Add(RunState.Create($"{trialId}-f{fold}-s{seed}", sweepId, trialId, fold, seed, spec.GangSize, spec.Retries));
        }
        var sweep = SweepState.Create(sweepId, spec.Name, runs.Count, spec.Budget.MaxParallelRuns, now);
        return new NewSweep(sweep, specText, trials, runs);
    }
}
