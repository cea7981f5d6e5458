using Amber.Grains.Specs;

namespace Amber.Grains.Tests.Specs;

/// <summary>The keys of sweeps that learn: objective, sampler tpe, pruner, fold_pruning.</summary>
public sealed class SweepSpecLearningKeysTests
{
    [Fact]
    public void A_spec_without_the_new_keys_gets_the_defaults()
    {
        var spec = SweepSpecParser.Parse("methods: [ce, amber2]\nsampler: random", "old.yaml");
        Assert.Equal(new ObjectiveSpec("js", "validation", "all", false), spec.Objective);
        Assert.Equal("none", spec.Pruner.Kind);
        Assert.False(spec.FoldPruning.Enabled);
    }

    [Fact]
    public void All_new_keys_are_read()
    {
        var spec = SweepSpecParser.Parse("""
            methods: [ce, amber2]
            space: {lr: {type: log_uniform, low: 0.0001, high: 0.01}}
            sampler: {type: tpe, seed: 4}
            objective: {metric: bc, split: test, level: high}
            pruner: {type: asha, min_epochs: 2, reduction_factor: 4}
            fold_pruning: {alpha: 0.1, min_folds: 2}
            """, "new.yaml");
        Assert.Equal(new SamplerSpec("tpe", 4), spec.Sampler);
        // bc is higher-is-better, so the direction defaults to maximise.
        Assert.Equal(new ObjectiveSpec("bc", "test", "high", true), spec.Objective);
        Assert.Equal(-0.7, spec.Objective.AsLoss(0.7));
        Assert.Equal(new PrunerSpec("asha", MinEpochs: 2, ReductionFactor: 4), spec.Pruner);
        Assert.Equal(new FoldPruningSpec(true, 0.1, 2), spec.FoldPruning);
    }

    [Fact]
    public void Short_forms_are_accepted()
    {
        var spec = SweepSpecParser.Parse("method: ce\npruner: median\nfold_pruning: true\nobjective: {metric: loss, direction: maximize, split: val}", "x");
        Assert.Equal(new PrunerSpec("median"), spec.Pruner);
        Assert.Equal(new FoldPruningSpec(true), spec.FoldPruning);
        Assert.Equal(new ObjectiveSpec("loss", "validation", "all", true), spec.Objective);
        Assert.Equal("val_loss", spec.Objective.CurveKey);
    }

    [Theory]
    [InlineData("method: ce\nsampler: bayes", "sampler", "expected grid, random or tpe")]
    [InlineData("method: ce\nobjective: js", "objective", "expected a mapping")]
    [InlineData("method: ce\nobjective: {metric: f1_macro}", "objective.metric", "not a validation metric")]
    [InlineData("method: ce\nobjective: {metric: bleu, split: test}", "objective.metric", "not a test metric")]
    [InlineData("method: ce\nobjective: {split: train}", "objective.split", "expected validation or test")]
    [InlineData("method: ce\nobjective: {level: high}", "objective.level", "use level: all, or split: test")]
    [InlineData("method: ce\nobjective: {split: test, level: extreme}", "objective.level", "not an ambiguity level")]
    [InlineData("method: ce\nobjective: {direction: down}", "objective.direction", "expected minimize or maximize")]
    [InlineData("method: ce\nobjective: {metric: js, goal: min}", "objective.goal", "unknown key 'goal'")]
    [InlineData("method: ce\npruner: hyperband", "pruner", "expected none, median, asha")]
    [InlineData("method: ce\npruner: {type: median, reduction_factor: 3}", "pruner.reduction_factor", "unknown key")]
    [InlineData("method: ce\npruner: {type: asha, reduction_factor: 1}", "pruner.reduction_factor", "out of range")]
    [InlineData("method: ce\nfold_pruning: {alpha: 0.7}", "fold_pruning.alpha", "expected a significance level")]
    [InlineData("method: ce\nfold_pruning: {min_folds: 1}", "fold_pruning.min_folds", "out of range")]
    [InlineData("method: ce\nfold_pruning: sometimes", "fold_pruning", "expected true, false")]
    [InlineData("method: ce\nprotocol: {folds: 2, seeds: [1]}\nfold_pruning: true", "fold_pruning.min_folds", "could never prune")]
    public void Bad_values_name_their_path(string doc, string path, string fragment)
    {
        var ex = Assert.Throws<SweepSpecException>(() => SweepSpecParser.Parse(doc, "x.yaml"));
        Assert.Contains(ex.Problems, p => p.Path == path && p.Message.Contains(fragment, StringComparison.Ordinal));
    }
}
