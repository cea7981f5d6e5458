using Amber.Grains.Parameters;
using Amber.Grains.Sampling;
using Amber.Grains.Specs;

namespace Amber.Grains.Tests.Sampling;

public sealed class SamplerTests
{
    [Fact]
    public void Grid_enumerates_the_product_first_dimension_slowest_and_stops_when_exhausted()
    {
        var spec = SweepSpecParser.Parse("methods: [ce, amber2]\nspace: {hidden: {type: int, low: 64, high: 192, step: 64}, dropout: [0.1, 0.3]}\nbudget: {max_trials: 100}", "x");
        var plan = Samplers.Plan(spec);
        // Expected order written out by hand: method × hidden × dropout.
        var expected = new List<(string, long, double)>();
        foreach (var m in new[] { "ce", "amber2" })
            foreach (var h in new long[] { 64, 128, 192 })
                foreach (var d in new[] { 0.1, 0.3 })
                    expected.Add((m, h, d));
        Assert.Equal(expected, plan.Select(p => (p.Method, p.Get("hidden")!.Value.AsInt(), p.Get("dropout")!.Value.AsDouble())).ToList());
        Assert.Equal(12, SweepSpecParser.GridSize(spec.Space));
    }

    [Fact]
    public void Grid_is_cut_by_max_trials()
    {
        var spec = SweepSpecParser.Parse("methods: [ce, amber2, soft]\nbudget: {max_trials: 2}", "x");
        Assert.Equal(["ce", "amber2"], Samplers.Plan(spec).Select(p => p.Method).ToArray());
    }

    [Fact]
    public void Random_draws_stay_inside_their_ranges_are_reproducible_and_cover_choices()
    {
        var spec = SweepSpecParser.Parse("""
            methods: [ce, amber2]
            space:
              lr: {type: log_uniform, low: 0.0001, high: 0.01}
              dropout: {type: uniform, low: 0.1, high: 0.5}
              hidden: {type: int, low: 32, high: 96, step: 32}
            sampler: {type: random, seed: 11}
            budget: {max_trials: 400}
            """, "x");
        var a = Samplers.Plan(spec);
        var b = Samplers.Plan(spec);
        Assert.Equal(400, a.Count);
        Assert.Equal(a, b);
        Assert.All(a, p =>
        {
            Assert.InRange(p.Get("lr")!.Value.AsDouble(), 0.0001, 0.01);
            Assert.InRange(p.Get("dropout")!.Value.AsDouble(), 0.1, 0.5);
            Assert.Contains(p.Get("hidden")!.Value.AsInt(), new long[] { 32, 64, 96 });
        });
        Assert.Equal(2, a.Select(p => p.Method).Distinct().Count());
        Assert.Equal(3, a.Select(p => p.Get("hidden")!.Value.AsInt()).Distinct().Count());
        // Log-uniform: about half the draws fall below the geometric midpoint 1e-3 (binomial, 400 draws: 5 sigma ≈ 50).
        int below = a.Count(p => p.Get("lr")!.Value.AsDouble() < 1e-3);
        Assert.InRange(below, 150, 250);
        var other = SweepSpecParser.Parse("methods: [ce, amber2]\nspace: {dropout: {type: uniform, low: 0.1, high: 0.5}}\nsampler: {type: random, seed: 12}\nbudget: {max_trials: 5}", "x");
        Assert.NotEqual(a.Take(5).Select(p => p.Get("dropout")), Samplers.Plan(other).Select(p => p.Get("dropout")));
    }

    [Fact]
    public void Trial_parameters_round_trip_through_json_with_kinds()
    {
        var p = new TrialParameters([
            new("method", ParameterValue.Of("amber2")), new("lr", ParameterValue.Of(1.0)), new("hidden", ParameterValue.Of(256L)),
            new("conflict_gate", ParameterValue.Of(true)), new("tau", ParameterValue.Of(0.1))]);
        var back = TrialParameters.FromJson(p.ToJson());
        Assert.Equal(p, back);
        Assert.Equal(ParameterKind.Float, back.Get("lr")!.Value.Kind);
        Assert.Equal(ParameterKind.Int, back.Get("hidden")!.Value.Kind);
        Assert.Throws<InvalidOperationException>(() => back.Get("hidden")!.Value.AsString());
    }
}
