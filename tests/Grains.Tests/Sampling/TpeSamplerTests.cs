using Amber.Grains.Parameters;
using Amber.Grains.Sampling;
using Amber.Grains.Sampling.Tpe;
using Amber.Grains.Specs;

namespace Amber.Grains.Tests.Sampling;

public sealed class TpeSamplerTests
{
    private const string Space = """
        methods: [ce, amber2, soft]
        space:
          lr: {type: log_uniform, low: 0.00001, high: 0.1}
          dropout: {type: uniform, low: 0.0, high: 0.8}
          hidden: {type: int, low: 32, high: 512, step: 32}
          conflict_gate: [true, false]
        """;

    private static SweepSpec Spec(int seed, string sampler = "tpe") =>
        SweepSpecParser.Parse(Space + $"\nsampler: {{type: {sampler}, seed: {seed}}}\nbudget: {{max_trials: 1000}}", "test");

    /// <summary>A smooth objective with its minimum at amber2, lr = 1e-3, dropout = 0.3, hidden = 256, gate on.</summary>
    private static double Objective(TrialParameters p) =>
        (p.Method == "amber2" ? 0 : p.Method == "soft" ? 0.5 : 1)
        + Math.Pow(Math.Log10(p.Get("lr")!.Value.AsDouble()) + 3, 2)
        + 4 * Math.Pow(p.Get("dropout")!.Value.AsDouble() - 0.3, 2)
        + Math.Pow((p.Get("hidden")!.Value.AsInt() - 256) / 128.0, 2)
        + (p.Get("conflict_gate")!.Value.AsBool() ? 0 : 0.3);

    /// <summary>Asks and tells <paramref name="trials"/> times; returns the history.</summary>
    private static List<TrialHistory> AskTell(ISampler sampler, SweepSpec spec, int trials)
    {
        var history = new List<TrialHistory>();
        for (int i = 0; i < trials; i++)
        {
            var next = sampler.Next(new SamplerContext(spec, history.ToArray()))!;
            history.Add(new TrialHistory(i, next, true, Objective(next)));
        }
        return history;
    }

    [Fact]
    public void The_same_seed_and_history_give_the_same_trials_and_another_seed_other_ones()
    {
        var a = AskTell(new TpeSampler(), Spec(3), 40).Select(h => h.Parameters).ToList();
        var b = AskTell(new TpeSampler(), Spec(3), 40).Select(h => h.Parameters).ToList();
        var c = AskTell(new TpeSampler(), Spec(4), 40).Select(h => h.Parameters).ToList();
        Assert.Equal(a, b);
        Assert.NotEqual(a.Skip(10), c.Skip(10));
    }

    [Fact]
    public void Suggestions_keep_to_the_bounds_steps_and_kinds_of_every_dimension()
    {
        foreach (var h in AskTell(new TpeSampler(), Spec(5), 120))
        {
            var p = h.Parameters;
            Assert.Contains(p.Method, new[] { "ce", "amber2", "soft" });
            Assert.Equal(ParameterKind.Float, p.Get("lr")!.Value.Kind);
            Assert.InRange(p.Get("lr")!.Value.AsDouble(), 0.00001, 0.1);
            Assert.InRange(p.Get("dropout")!.Value.AsDouble(), 0.0, 0.8);
            Assert.Equal(ParameterKind.Int, p.Get("hidden")!.Value.Kind);
            long hidden = p.Get("hidden")!.Value.AsInt();
            Assert.InRange(hidden, 32, 512);
            Assert.Equal(0, hidden % 32);
            Assert.Equal(ParameterKind.Bool, p.Get("conflict_gate")!.Value.Kind);
        }
    }

    [Fact]
    public void Beats_random_search_on_a_smooth_objective_over_seeds()
    {
        // Mean best after 60 trials over 12 seeds; random search is the independent floor.
        double Best(ISampler sampler, string kind, int seed) => AskTell(sampler, Spec(seed, kind), 60).Min(h => h.Objective!.Value);
        var tpe = Enumerable.Range(0, 12).Select(s => Best(new TpeSampler(), "tpe", s)).ToArray();
        var random = Enumerable.Range(0, 12).Select(s => Best(new RandomSampler(), "random", s)).ToArray();
        Assert.True(tpe.Average() < 0.7 * random.Average(), $"TPE mean best {tpe.Average():F4} vs random {random.Average():F4}");
        Assert.True(tpe.Zip(random).Count(x => x.First < x.Second) >= 9, "TPE should beat random on most seeds");
    }

    [Fact]
    public void Running_and_failed_trials_are_not_part_of_the_model_and_start_up_is_random()
    {
        var spec = Spec(9);
        var told = AskTell(new TpeSampler(), spec, 30);
        // Marking a trial unfinished or without an objective must change the model (and so the suggestion) exactly as
        // dropping it would — but the trial index (and so the generator) stays.
        var withRunning = told.Select((h, i) => i == 3 ? h with { Finished = false, Objective = null } : h).ToArray();
        var withFailed = told.Select((h, i) => i == 3 ? h with { Objective = null } : h).ToArray();
        Assert.Equal(new TpeSampler().Next(new SamplerContext(spec, withRunning)), new TpeSampler().Next(new SamplerContext(spec, withFailed)));
        // Below the start-up count, trials without objectives give the same draws as an empty model would.
        var estimator = new TreeParzenEstimator(spec.Space);
        var few = told.Take(5).Select(h => new TpeObservation(spec.Space.Select(d => h.Parameters.Get(d.Name)!.Value).ToArray(), h.Objective!.Value)).ToList();
        Assert.Equal(estimator.Suggest([], new Random(1)), estimator.Suggest(few, new Random(1)));
    }

    [Fact]
    public void The_good_density_concentrates_on_the_best_choice()
    {
        // Only the method matters: amber2 is best. After 40 trials TPE should pick it far more often than 1 in 3.
        var spec = SweepSpecParser.Parse("methods: [ce, amber2, soft, js_entropy]\nspace: {dropout: {type: uniform, low: 0, high: 0.5}}\nsampler: {type: tpe, seed: 1}\nbudget: {max_trials: 100}", "t");
        var history = new List<TrialHistory>();
        var sampler = new TpeSampler();
        for (int i = 0; i < 80; i++)
        {
            var next = sampler.Next(new SamplerContext(spec, history.ToArray()))!;
            history.Add(new TrialHistory(i, next, true, next.Method == "amber2" ? 0 : 1));
        }
        int amber2Late = history.Skip(40).Count(h => h.Parameters.Method == "amber2");
        Assert.True(amber2Late >= 28, $"amber2 picked {amber2Late} of the last 40 trials");
    }

    [Fact]
    public void Pruned_trials_told_as_infinitely_bad_steer_the_sampler_away()
    {
        // Half the methods' trials were pruned (+∞); the others have equal, finite values. Later trials avoid the pruned ones.
        var spec = SweepSpecParser.Parse("methods: [ce, amber2, soft, js_entropy]\nspace: {dropout: {type: uniform, low: 0, high: 0.5}}\nsampler: {type: tpe, seed: 2}\nbudget: {max_trials: 100}", "t");
        var history = new List<TrialHistory>();
        var sampler = new TpeSampler();
        for (int i = 0; i < 80; i++)
        {
            var next = sampler.Next(new SamplerContext(spec, history.ToArray()))!;
            bool pruned = next.Method is "ce" or "soft";
            history.Add(new TrialHistory(i, next, true, pruned ? double.PositiveInfinity : 1.0));
        }
        int prunedLate = history.Skip(40).Count(h => h.Parameters.Method is "ce" or "soft");
        Assert.True(prunedLate <= 8, $"pruned methods picked {prunedLate} of the last 40 trials");
    }

    [Theory]
    // erfc from Abramowitz & Stegun table 7.1 (independent of the implementation).
    [InlineData(0.0, 1.0)]
    [InlineData(0.5, 0.4795001221869535)]
    [InlineData(1.0, 0.1572992070502851)]
    [InlineData(2.0, 0.004677734981047266)]
    [InlineData(-1.0, 1.842700792949715)]
    public void Erfc_matches_the_table(double x, double expected) =>
        Assert.Equal(expected, TruncatedNormal.Erfc(x), 6);

    [Fact]
    public void Truncated_normal_density_integrates_to_one_over_its_range()
    {
        double mu = 0.2, sigma = 0.5, low = -0.3, high = 1.7;
        double logMass = TruncatedNormal.LogMass(mu, sigma, low, high);
        // Trapezoid rule over the range, independent of the normaliser's closed form.
        int n = 20_000;
        double h = (high - low) / n, sum = 0;
        for (int i = 0; i <= n; i++)
            sum += (i == 0 || i == n ? 0.5 : 1) * Math.Exp(TruncatedNormal.LogPdf(low + i * h, mu, sigma, logMass));
        Assert.Equal(1.0, sum * h, 5);
        var rng = new Random(2);
        Assert.All(Enumerable.Range(0, 2000).Select(_ => TruncatedNormal.Sample(rng, mu, sigma, low, high)), x => Assert.InRange(x, low, high));
    }
}
