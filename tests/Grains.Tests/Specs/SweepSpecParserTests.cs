using Amber.Grains.Parameters;
using Amber.Grains.Specs;

namespace Amber.Grains.Tests.Specs;

public sealed class SweepSpecParserTests
{
    private static string RepoFile(string relative)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "AmbER.Distributed.sln"))) dir = dir.Parent;
        return Path.Combine(dir?.FullName ?? throw new InvalidOperationException("repository root not found"), relative);
    }

    [Fact]
    public void Default_sweep_file_plans_two_methods_five_folds_two_seeds()
    {
        var spec = SweepSpecParser.Parse(File.ReadAllText(RepoFile("sweeps/default.yaml")), "sweeps/default.yaml");
        Assert.Equal("default", spec.Name);
        Assert.Equal("synthetic", spec.Corpus);
        Assert.Equal([1, 2, 3, 4, 5], spec.Protocol.Folds.ToArray());
        Assert.Equal([1, 2], spec.Protocol.Seeds.ToArray());
        Assert.Equal(10, spec.RunsPerTrial);
        var method = Assert.IsType<ChoiceDimension>(spec.Space.Single(d => d.Name == "method"));
        Assert.Equal(["ce", "amber2"], method.Values.Select(v => v.AsString()).ToArray());
        var lr = Assert.IsType<FixedDimension>(spec.Space.Single(d => d.Name == "lr"));
        Assert.Equal(ParameterKind.Float, lr.Value.Kind);
        Assert.Equal(0.001, lr.Value.AsDouble());
        Assert.Equal(ParameterKind.Bool, spec.Space.OfType<FixedDimension>().Single(d => d.Name == "conflict_gate").Value.Kind);
        Assert.Equal("consensus4", spec.Labels["subset"]);
        Assert.Equal(new BudgetSpec(2, 8), spec.Budget);
    }

    [Fact]
    public void Quick_sweep_file_is_valid()
    {
        var spec = SweepSpecParser.Parse(File.ReadAllText(RepoFile("sweeps/quick.yaml")), "sweeps/quick.yaml");
        Assert.Equal(5, spec.RunsPerTrial);
        Assert.Equal(8, spec.Space.OfType<FixedDimension>().Single(d => d.Name == "max_epochs").Value.AsInt());
    }

    [Fact]
    public void Json_documents_are_accepted()
    {
        var spec = SweepSpecParser.Parse("""
            {"name": "j", "method": "amber2", "space": {"lr": {"type": "log_uniform", "low": 0.0001, "high": 0.01}},
             "sampler": {"type": "random", "seed": 3}, "budget": {"max_trials": 4, "max_parallel_runs": 2},
             "protocol": {"folds": [1, 3], "seeds": 2}}
            """, "body.json");
        var lr = Assert.IsType<UniformDimension>(spec.Space.Single(d => d.Name == "lr"));
        Assert.True(lr.Log);
        Assert.Equal([1, 3], spec.Protocol.Folds.ToArray());
        Assert.Equal([1, 2], spec.Protocol.Seeds.ToArray());
        Assert.Equal(new SamplerSpec("random", 3), spec.Sampler);
    }

    [Theory]
    [InlineData("log_uniform")]
    [InlineData("log-uniform")]
    [InlineData("loguniform")]
    public void Log_uniform_has_its_usual_spellings(string type)
    {
        var spec = SweepSpecParser.Parse($"method: ce\nsampler: random\nspace: {{lr: {{type: {type}, low: 0.001, high: 0.1}}}}", "x");
        Assert.Equal(new UniformDimension("lr", 0.001, 0.1, true), spec.Space.Single(d => d.Name == "lr"));
    }

    [Fact]
    public void Corpus_features_and_label_options_in_their_accepted_forms()
    {
        var spec = SweepSpecParser.Parse("method: ce\ncorpus: iemocap:/data/IEMOCAP_full_release\nfeatures: npy:/emb/wavlm\n" +
            "labels: {subset: any-vote, include_self: true, secondary_weight: 0.1, extra_votes: /v.csv, extra_weight: 1}", "x");
        Assert.Equal(("iemocap:/data/IEMOCAP_full_release", "npy:/emb/wavlm"), (spec.Corpus, spec.Features));
        Assert.Equal(["any-vote", "true", "0.1"], [spec.Labels["subset"], spec.Labels["include_self"], spec.Labels["secondary_weight"]]);
        Assert.Equal("msp:/m", SweepSpecParser.Parse("method: ce\ncorpus: msp:/m", "x").Corpus);
    }

    [Fact]
    public void Every_problem_is_reported_at_once_with_path_and_line()
    {
        const string doc = """
            name: bad
            methods: [ce, nosuch]
            colour: blue
            space:
              lr: {type: uniform, low: 0.1, high: 0.01}
              batch_size: 0.5
              lrr: 0.1
              dropout: []
              hidden: {type: int, low: 10, high: 5}
              tau: {type: log_uniform, low: 0, high: 1}
              beta: {type: gaussian}
            budget:
              max_trials: 0
              max_parallel_runs: many
            retries: -1
            gang_size: 0
            protocol:
              seeds: [1, 1]
              validation: sometimes
            sampler: bayes
            """;
        var ex = Assert.Throws<SweepSpecException>(() => SweepSpecParser.Parse(doc, "bad.yaml"));
        var byPath = ex.Problems.ToLookup(p => p.Path);
        Assert.Contains(byPath["methods"], p => p.Message.Contains("nosuch", StringComparison.Ordinal) && p.Line == 2);
        Assert.Contains(byPath["colour"], p => p.Message.Contains("unknown key", StringComparison.Ordinal) && p.Line == 3);
        Assert.Contains(byPath["space.lr"], p => p.Message.Contains("empty range", StringComparison.Ordinal) && p.Line == 5);
        Assert.Contains(byPath["space.batch_size"], p => p.Message.Contains("expected an integer", StringComparison.Ordinal));
        Assert.Contains(byPath["space.lrr"], p => p.Message.Contains("unknown hyperparameter", StringComparison.Ordinal));
        Assert.Contains(byPath["space.dropout"], p => p.Message.Contains("empty choice", StringComparison.Ordinal));
        Assert.Contains(byPath["space.hidden"], p => p.Message.Contains("empty range", StringComparison.Ordinal));
        Assert.Contains(byPath["space.tau.low"], p => p.Message.Contains("low > 0", StringComparison.Ordinal));
        Assert.Contains(byPath["space.beta.type"], p => p.Message.Contains("gaussian", StringComparison.Ordinal));
        Assert.Contains(byPath["budget.max_trials"], p => p.Message.Contains("out of range", StringComparison.Ordinal) && p.Line == 13);
        Assert.Contains(byPath["budget.max_parallel_runs"], p => p.Message.Contains("'many' is not an integer", StringComparison.Ordinal));
        Assert.Contains(byPath["retries"], p => p.Line == 15);
        Assert.Contains(byPath["gang_size"], p => p.Line == 16);
        Assert.Contains(byPath["protocol.seeds"], p => p.Message.Contains("repeat", StringComparison.Ordinal));
        Assert.Contains(byPath["protocol.validation"], p => p.Message.Contains("sometimes", StringComparison.Ordinal));
        Assert.Contains(byPath["sampler"], p => p.Message.Contains("bayes", StringComparison.Ordinal));
        Assert.Contains("bad.yaml", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("space: {lr: 0.1}", "method", "no method given")]
    [InlineData("method: ce\nmethods: [ce]", "methods", "not both")]
    [InlineData("method: ce\nspace: {lr: {type: uniform, low: 0.001, high: 0.01}}", "space.lr", "grid sampling needs discrete")]
    [InlineData("method: ce\nspace: {hidden: {type: uniform, low: 1, high: 9}}\nsampler: random", "space.hidden", "use type: int")]
    [InlineData("method: ce\nspace: {divergence: l2}", "space.divergence", "not one of")]
    [InlineData("method: ce\nspace: {conflict_gate: 'yes'}", "space.conflict_gate", "expected a boolean")]
    [InlineData("method: ce\nprotocol: {folds: [1, 9], fold_count: 5}", "protocol.folds", "outside 1..5")]
    [InlineData("method: ce\nsampler: random\nbudget: {max_trials: 1000000}\nprotocol: {folds: 5, seeds: 5}", "budget.max_trials", "would plan 25000000 runs")]
    [InlineData("method: ce\nbudget: {max_parallel_runs: 0}", "budget.max_parallel_runs", "out of range")]
    [InlineData("method: ce\nspace: {lr: [0.1, 0.1]}", "space.lr", "repeat")]
    [InlineData("method: ce\ncorpus: timit:/data", "corpus", "expected synthetic, synthetic:<dir>, iemocap:<path> or msp:<path>")]
    [InlineData("method: ce\ncorpus: 'iemocap:'", "corpus", "is not a corpus")]
    [InlineData("method: ce\nfeatures: wav2vec", "features", "expected builtin or npy:<dir>")]
    [InlineData("method: ce\nlabels: {subset: all}", "labels.subset", "expected consensus4 or any-vote")]
    [InlineData("method: ce\nlabels: {include_self: maybe}", "labels.include_self", "not a boolean")]
    [InlineData("method: ce\nlabels: {secondary_weight: -1}", "labels.secondary_weight", "expected a number >= 0")]
    [InlineData("method: ce\nlabels: {colour: red}", "labels.colour", "unknown key 'colour'")]
    [InlineData("[1, 2]", "$", "must be a mapping")]
    [InlineData("method: [ce", "$", "not valid YAML")]
    [InlineData("", "$", "empty")]
    public void Single_problems_name_their_path(string doc, string path, string fragment)
    {
        var ex = Assert.Throws<SweepSpecException>(() => SweepSpecParser.Parse(doc, "x.yaml"));
        Assert.Contains(ex.Problems, p => p.Path == path && p.Message.Contains(fragment, StringComparison.Ordinal));
    }

    [Fact]
    public void Quoted_scalars_stay_strings_and_plain_ones_are_typed()
    {
        var spec = SweepSpecParser.Parse("method: ce\nspace: {batch_size: 16, lr: 1e-3, conflict_gate: false, divergence: 'js'}", "x");
        var fixedValues = spec.Space.OfType<FixedDimension>().ToDictionary(d => d.Name, d => d.Value);
        Assert.Equal(ParameterValue.Of(16L), fixedValues["batch_size"]);
        Assert.Equal(ParameterValue.Of(0.001), fixedValues["lr"]);
        Assert.Equal(ParameterValue.Of(false), fixedValues["conflict_gate"]);
        Assert.Equal(ParameterValue.Of("js"), fixedValues["divergence"]);
    }
}
