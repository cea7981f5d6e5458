using System.Collections.Immutable;
using System.Globalization;
using Amber.Grains.Parameters;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Amber.Grains.Specs;

/// <summary>
/// Reads a sweep document (YAML, or JSON — JSON is read as YAML flow style) and validates all of it before accepting:
/// unknown keys, wrong types, empty or inverted spaces, unknown methods and hyperparameters, impossible budgets.
/// Every problem is collected with its path and line, and one <see cref="SweepSpecException"/> lists them all.
/// </summary>
public static class SweepSpecParser
{
    private static readonly string[] TopLevelKeys =
        ["name", "corpus", "features", "labels", "protocol", "method", "methods", "space", "sampler", "budget", "gang_size", "retries",
         "objective", "pruner", "fold_pruning"];

    /// <summary>Most runs one sweep may plan; above this the budget is refused as a likely typo.</summary>
    public const int MaxPlannedRuns = 1_000_000;

    /// <summary>Parses and validates <paramref name="text"/>; <paramref name="source"/> names it in errors.</summary>
    /// <exception cref="SweepSpecException">The document has at least one problem; all of them are listed.</exception>
    public static SweepSpec Parse(string text, string source)
    {
        var problems = new List<SpecProblem>();
        YamlMappingNode? root = null;
        try
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(text));
            if (stream.Documents.Count == 0) problems.Add(new("$", 0, "the document is empty; expected a mapping with at least 'method(s)'"));
            else if (stream.Documents[0].RootNode is YamlMappingNode m) root = m;
            else problems.Add(new("$", Line(stream.Documents[0].RootNode), "the document must be a mapping (key: value pairs)"));
        }
        catch (YamlException ex)
        {
            problems.Add(new("$", (int)ex.Start.Line, $"not valid YAML/JSON at line {ex.Start.Line}, column {ex.Start.Column}: {ex.InnerException?.Message ?? ex.Message}"));
        }
        if (root is null) throw new SweepSpecException(source, problems);

        var r = new Reader(problems);
        r.CheckKeys(root, "", TopLevelKeys);
        string name = r.String(root, "", "name") ?? "sweep";
        string corpus = r.String(root, "", "corpus") ?? "synthetic";
        if (!IsCorpusSpec(corpus))
            r.Problem("corpus", r.Child(root, "corpus")!, $"'{corpus}' is not a corpus; expected synthetic, synthetic:<dir>, iemocap:<path> or msp:<path>");
        string features = r.String(root, "", "features") ?? "builtin";
        if (features != "builtin" && !(features.StartsWith("npy:", StringComparison.Ordinal) && features.Length > 4))
            r.Problem("features", r.Child(root, "features")!, $"'{features}' is not a feature set; expected builtin or npy:<dir>");
        var labels = ReadLabels(r, root);
        var protocol = ReadProtocol(r, root);
        var space = ReadSpace(r, root);
        var sampler = ReadSampler(r, root);
        var budget = ReadBudget(r, root);
        var objective = ReadObjective(r, root);
        var pruner = ReadPruner(r, root);
        var foldPruning = ReadFoldPruning(r, root);
        int gang = (int)(r.Int(root, "", "gang_size", 1, 1, 1024) ?? 1);
        int retries = (int)(r.Int(root, "", "retries", 2, 0, 100) ?? 2);

        if (sampler.Kind == "grid")
        {
            foreach (var d in space.Where(d => !d.IsDiscrete))
                problems.Add(new($"space.{d.Name}", r.LineOf(root, "space"), "grid sampling needs discrete dimensions (choice, int or a fixed value); use sampler: random or tpe for uniform/log_uniform"));
        }
        if (foldPruning.Enabled && foldPruning.MinFolds > protocol.Folds.Length * protocol.Seeds.Length)
            problems.Add(new("fold_pruning.min_folds", r.LineOf(root, "fold_pruning"),
                $"{foldPruning.MinFolds} exceeds the runs of a trial ({protocol.Folds.Length} folds × {protocol.Seeds.Length} seeds), so it could never prune; lower it or add folds"));
        if (problems.Count == 0)
        {
            long trials = sampler.Kind == "grid" ? Math.Min(budget.MaxTrials, GridSize(space)) : budget.MaxTrials;
            long planned = trials * protocol.Folds.Length * protocol.Seeds.Length;
            if (planned > MaxPlannedRuns)
                problems.Add(new("budget.max_trials", r.LineOf(root, "budget"), $"the sweep would plan {planned} runs ({trials} trials × {protocol.Folds.Length} folds × {protocol.Seeds.Length} seeds); at most {MaxPlannedRuns} are allowed"));
        }
        if (problems.Count > 0) throw new SweepSpecException(source, problems.OrderBy(p => p.Line == 0 ? int.MaxValue : p.Line).ToList());
        return new SweepSpec(name, corpus, features, labels, protocol, space, sampler, budget, gang, retries)
        {
            Objective = objective,
            Pruner = pruner,
            FoldPruning = foldPruning,
        };
    }

    /// <summary>Number of points of the grid over <paramref name="space"/> (saturating at long.MaxValue).</summary>
    public static long GridSize(IEnumerable<SearchDimension> space)
    {
        long n = 1;
        foreach (var d in space)
        {
            long k = d switch
            {
                IntDimension i => (i.High - i.Low) / i.Step + 1,
                _ => d.GridValues.Length,
            };
            n = k != 0 && n > long.MaxValue / k ? long.MaxValue : n * k;
        }
        return n;
    }

    private static ImmutableSortedDictionary<string, string> ReadLabels(Reader r, YamlMappingNode root)
    {
        var b = ImmutableSortedDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        if (r.Child(root, "labels") is not { } node) return b.ToImmutable();
        if (node is not YamlMappingNode map) { r.Problem("labels", node, "expected a mapping of label options (e.g. subset: consensus4)"); return b.ToImmutable(); }
        r.CheckKeys(map, "labels", LabelKeys);
        foreach (var (k, v) in map.Children)
        {
            string key = ((YamlScalarNode)k).Value ?? "";
            if (v is not YamlScalarNode s) { r.Problem($"labels.{key}", v, "expected a scalar value"); continue; }
            string value = s.Value ?? "";
            var typed = Reader.Typed(s);
            string? problem = key switch
            {
                "subset" when value is not ("consensus4" or "any-vote") => $"'{value}' is not a subset; expected consensus4 or any-vote",
                "include_self" when typed.Kind != ParameterKind.Bool => $"'{value}' is not a boolean; expected true or false",
                "secondary_weight" or "extra_weight" when typed.Kind is not (ParameterKind.Float or ParameterKind.Int) || typed.AsDouble() < 0 =>
                    $"'{value}' is not a weight; expected a number >= 0",
                "extra_votes" when string.IsNullOrWhiteSpace(value) => "expected the path of a votes CSV (utterance_id,annotator_id,label,source)",
                _ => null,
            };
            if (problem is not null) r.Problem($"labels.{key}", v, problem);
            b[key] = value;
        }
        return b.ToImmutable();
    }

    /// <summary>Label options the loaders understand (DATA-FORMATS.md): subset, self-evaluations, MSP secondary votes, extra votes.</summary>
    public static readonly IReadOnlyList<string> LabelKeys = ["subset", "include_self", "secondary_weight", "extra_votes", "extra_weight"];

    private static bool IsCorpusSpec(string corpus) =>
        corpus == "synthetic" ||
        (corpus.IndexOf(':', StringComparison.Ordinal) is > 0 and var colon && colon < corpus.Length - 1 &&
         corpus[..colon] is "synthetic" or "iemocap" or "msp");

    private static ProtocolSpec ReadProtocol(Reader r, YamlMappingNode root)
    {
        var fallback = new ProtocolSpec([1, 2, 3, 4, 5], 5, [1], "random");
        if (r.Child(root, "protocol") is not { } node) return fallback;
        if (node is not YamlMappingNode map) { r.Problem("protocol", node, "expected a mapping with folds, seeds, validation"); return fallback; }
        r.CheckKeys(map, "protocol", ["folds", "fold_count", "seeds", "validation"]);

        ImmutableArray<int> folds = fallback.Folds;
        int foldCount = (int)(r.Int(map, "protocol", "fold_count", 0, 2, 1000) ?? 0);
        if (r.Child(map, "folds") is { } fnode)
        {
            if (fnode is YamlScalarNode)
            {
                long? n = r.Int(map, "protocol", "folds", 5, 1, 1000);
                folds = [.. Enumerable.Range(1, (int)(n ?? 5))];
            }
            else folds = r.IntList(fnode, "protocol.folds", 1, 1000);
        }
        if (foldCount == 0) foldCount = Math.Max(folds.IsEmpty ? 5 : folds.Max(), 2);
        foreach (int f in folds.Where(f => f > foldCount))
            r.Problem("protocol.folds", r.Child(map, "folds")!, $"fold {f} is outside 1..{foldCount} (fold_count)");

        ImmutableArray<int> seeds = fallback.Seeds;
        if (r.Child(map, "seeds") is { } snode)
        {
            if (snode is YamlScalarNode)
            {
                long? n = r.Int(map, "protocol", "seeds", 1, 1, 1000);
                seeds = [.. Enumerable.Range(1, (int)(n ?? 1))];
            }
            else seeds = r.IntList(snode, "protocol.seeds", 0, int.MaxValue);
        }
        string validation = r.String(map, "protocol", "validation") ?? "random";
        if (validation is not ("random" or "speaker"))
            r.Problem("protocol.validation", r.Child(map, "validation")!, $"'{validation}' is not a validation scheme; expected random or speaker");
        return new ProtocolSpec(folds, foldCount, seeds, validation);
    }

    private static ImmutableArray<SearchDimension> ReadSpace(Reader r, YamlMappingNode root)
    {
        var dims = new List<SearchDimension>();
        var method = r.Child(root, "method");
        var methods = r.Child(root, "methods");
        if (method is not null && methods is not null)
            r.Problem("methods", methods, "give either 'method' or 'methods', not both");
        if (method is not null)
        {
            if (method is YamlScalarNode s) dims.Add(new FixedDimension(TrialParameters.MethodKey, ParameterValue.Of(s.Value ?? "")));
            else r.Problem("method", method, "expected one method name; use 'methods: [ce, amber2]' for several");
        }
        else if (methods is not null)
        {
            if (methods is YamlSequenceNode seq && seq.Children.Count > 0 && seq.Children.All(c => c is YamlScalarNode))
                dims.Add(new ChoiceDimension(TrialParameters.MethodKey, [.. seq.Children.Select(c => ParameterValue.Of(((YamlScalarNode)c).Value ?? ""))]));
            else r.Problem("methods", methods, "expected a non-empty list of method names, e.g. [ce, amber2]");
        }

        if (r.Child(root, "space") is { } node)
        {
            if (node is not YamlMappingNode map) r.Problem("space", node, "expected a mapping of hyperparameter → value or distribution");
            else
            {
                foreach (var (k, v) in map.Children)
                {
                    string key = ((YamlScalarNode)k).Value ?? "";
                    if (key == TrialParameters.MethodKey && (method is not null || methods is not null))
                    {
                        r.Problem("space.method", k, "the method is already given by 'method'/'methods'");
                        continue;
                    }
                    if (ReadDimension(r, key, v) is { } d) dims.Add(d);
                }
            }
        }
        if (!dims.Any(d => d.Name == TrialParameters.MethodKey))
            r.Problems.Add(new("method", 0, $"no method given; add 'method: amber2' or 'methods: [ce, amber2]' (known: {string.Join(", ", HyperparameterCatalog.Methods.Order(StringComparer.Ordinal))})"));

        // Every value a dimension can produce must fit the catalog (name known, kind and range right).
        foreach (var d in dims)
        {
            string path = d.Name == TrialParameters.MethodKey ? (methods is not null ? "methods" : method is not null ? "method" : "space.method") : $"space.{d.Name}";
            int line = d.Name == TrialParameters.MethodKey ? Line(methods ?? method ?? root) : r.LineOf(r.Child(root, "space") as YamlMappingNode, d.Name);
            IEnumerable<ParameterValue> probes = d switch
            {
                UniformDimension u => [ParameterValue.Of(u.Low), ParameterValue.Of(u.High)],
                IntDimension i => [ParameterValue.Of(i.Low), ParameterValue.Of(i.High)],
                _ => d.GridValues,
            };
            if (d is UniformDimension && HyperparameterCatalog.Entries.TryGetValue(d.Name, out var e) && e.Kind != ParameterKind.Float)
            {
                r.Problems.Add(new(path, line, $"uniform/log_uniform gives real numbers but '{d.Name}' is {HyperparameterCatalog.Describe(e.Kind)}; use type: int or choice"));
                continue;
            }
            foreach (var msg in probes.Select(p => HyperparameterCatalog.Check(d.Name, p)).OfType<string>().Distinct())
                r.Problems.Add(new(path, line, msg));
        }
        return [.. dims];
    }

    private static SearchDimension? ReadDimension(Reader r, string key, YamlNode v)
    {
        string path = $"space.{key}";
        switch (v)
        {
            case YamlScalarNode s:
                return new FixedDimension(key, Reader.Typed(s));
            case YamlSequenceNode seq:
                return Choice(r, key, path, seq);
            case YamlMappingNode m:
            {
                // "log-uniform" and "loguniform" are common spellings of the same distribution.
                string? type = r.String(m, path, "type") is "log-uniform" or "loguniform" ? "log_uniform" : r.String(m, path, "type");
                switch (type)
                {
                    case "choice":
                        r.CheckKeys(m, path, ["type", "values"]);
                        if (r.Child(m, "values") is YamlSequenceNode values) return Choice(r, key, path + ".values", values);
                        r.Problem(path + ".values", r.Child(m, "values") ?? m, "a choice needs 'values: [..]' with at least one value");
                        return null;
                    case "uniform" or "log_uniform":
                    {
                        r.CheckKeys(m, path, ["type", "low", "high"]);
                        double? low = r.Double(m, path, "low"), high = r.Double(m, path, "high");
                        if (low is null || high is null) return null;
                        if (!(low < high)) { r.Problem(path, m, $"empty range: low {low} must be below high {high}"); return null; }
                        if (type == "log_uniform" && low <= 0) { r.Problem(path + ".low", r.Child(m, "low")!, $"log_uniform needs low > 0; got {low}"); return null; }
                        return new UniformDimension(key, low.Value, high.Value, type == "log_uniform");
                    }
                    case "int":
                    {
                        r.CheckKeys(m, path, ["type", "low", "high", "step"]);
                        long? low = r.Int(m, path, "low", null, long.MinValue / 4, long.MaxValue / 4);
                        long? high = r.Int(m, path, "high", null, long.MinValue / 4, long.MaxValue / 4);
                        long? step = r.Int(m, path, "step", 1, 1, long.MaxValue / 4);
                        if (low is null || high is null || step is null) return null;
                        if (low > high) { r.Problem(path, m, $"empty range: low {low} must not exceed high {high}"); return null; }
                        return new IntDimension(key, low.Value, high.Value, step.Value);
                    }
                    case null:
                        if (r.Child(m, "type") is null) r.Problem(path + ".type", m, "missing; expected choice, uniform, log_uniform or int");
                        return null;
                    default:
                        r.Problem(path + ".type", r.Child(m, "type")!, $"'{type}' is not a distribution; expected choice, uniform, log_uniform or int");
                        return null;
                }
            }
            default:
                r.Problem(path, v, "expected a value, a list of choices or a distribution mapping");
                return null;
        }
    }

    private static ChoiceDimension? Choice(Reader r, string key, string path, YamlSequenceNode seq)
    {
        if (seq.Children.Count == 0) { r.Problem(path, seq, "empty choice: give at least one value"); return null; }
        var values = new List<ParameterValue>();
        foreach (var c in seq.Children)
        {
            if (c is YamlScalarNode s) values.Add(Reader.Typed(s));
            else r.Problem(path, c, "choice values must be scalars");
        }
        if (values.Count != seq.Children.Count) return null;
        if (values.Distinct().Count() != values.Count) r.Problem(path, seq, "choice values repeat; each value must appear once");
        return new ChoiceDimension(key, [.. values]);
    }

    private static SamplerSpec ReadSampler(Reader r, YamlMappingNode root)
    {
        var node = r.Child(root, "sampler");
        string kind = "grid";
        int seed = 0;
        if (node is YamlScalarNode s) kind = s.Value ?? "";
        else if (node is YamlMappingNode m)
        {
            r.CheckKeys(m, "sampler", ["type", "seed"]);
            kind = r.String(m, "sampler", "type") ?? "grid";
            seed = (int)(r.Int(m, "sampler", "seed", 0, 0, int.MaxValue) ?? 0);
        }
        else if (node is not null) r.Problem("sampler", node, "expected 'grid', 'random', 'tpe' or {type: tpe, seed: 7}");
        if (kind is not ("grid" or "random" or "tpe"))
        {
            r.Problem("sampler", node!, $"'{kind}' is not a sampler; expected grid, random or tpe");
            kind = "grid";
        }
        return new SamplerSpec(kind, seed);
    }

    private static ObjectiveSpec ReadObjective(Reader r, YamlMappingNode root)
    {
        var node = r.Child(root, "objective");
        if (node is null) return ObjectiveSpec.Default;
        if (node is not YamlMappingNode m) { r.Problem("objective", node, "expected a mapping, e.g. {metric: js, split: validation, level: all, direction: minimize}"); return ObjectiveSpec.Default; }
        r.CheckKeys(m, "objective", ["metric", "split", "level", "direction"]);
        string split = r.String(m, "objective", "split") ?? "validation";
        if (split == "val") split = "validation";
        if (split is not ("validation" or "test"))
        {
            r.Problem("objective.split", r.Child(m, "split")!, $"'{split}' is not a split; expected validation or test");
            split = "validation";
        }
        var metrics = split == "validation" ? ObjectiveSpec.ValidationMetrics : ObjectiveSpec.TestMetrics;
        string metric = r.String(m, "objective", "metric") ?? "js";
        if (!metrics.Contains(metric))
            r.Problem("objective.metric", r.Child(m, "metric")!, $"'{metric}' is not a {split} metric; expected one of {string.Join(", ", metrics)}");
        string level = r.String(m, "objective", "level") ?? "all";
        if (!ObjectiveSpec.Levels.Contains(level))
            r.Problem("objective.level", r.Child(m, "level")!, $"'{level}' is not an ambiguity level; expected one of {string.Join(", ", ObjectiveSpec.Levels)}");
        else if (split == "validation" && level != "all")
            r.Problem("objective.level", r.Child(m, "level")!, $"validation values are reported for the whole validation set only; use level: all, or split: test for level {level}");
        string direction = r.String(m, "objective", "direction") ?? (ObjectiveSpec.HigherIsBetter(metric) ? "maximize" : "minimize");
        if (direction is not ("minimize" or "maximize"))
            r.Problem("objective.direction", r.Child(m, "direction")!, $"'{direction}' is not a direction; expected minimize or maximize");
        return new ObjectiveSpec(metric, split, level, direction == "maximize");
    }

    private static PrunerSpec ReadPruner(Reader r, YamlMappingNode root)
    {
        var node = r.Child(root, "pruner");
        if (node is null) return PrunerSpec.None;
        string? kind = node switch
        {
            YamlScalarNode s => s.Value,
            YamlMappingNode m => r.String(m, "pruner", "type"),
            _ => null,
        };
        if (kind is not ("none" or "median" or "asha"))
        {
            r.Problem(node is YamlMappingNode pm && r.Child(pm, "type") is not null ? "pruner.type" : "pruner", node,
                $"'{kind}' is not a pruner; expected none, median, asha or {{type: median, warmup_epochs: 5, min_runs: 4}}");
            return PrunerSpec.None;
        }
        if (node is not YamlMappingNode map) return new PrunerSpec(kind);
        r.CheckKeys(map, "pruner", kind switch
        {
            "median" => ["type", "warmup_epochs", "min_runs"],
            "asha" => ["type", "min_epochs", "reduction_factor"],
            _ => ["type"],
        });
        return new PrunerSpec(kind,
            WarmupEpochs: (int)(r.Int(map, "pruner", "warmup_epochs", 5, 0, 100_000) ?? 5),
            MinRuns: (int)(r.Int(map, "pruner", "min_runs", 4, 1, 100_000) ?? 4),
            MinEpochs: (int)(r.Int(map, "pruner", "min_epochs", 1, 1, 100_000) ?? 1),
            ReductionFactor: (int)(r.Int(map, "pruner", "reduction_factor", 3, 2, 100) ?? 3));
    }

    private static FoldPruningSpec ReadFoldPruning(Reader r, YamlMappingNode root)
    {
        var node = r.Child(root, "fold_pruning");
        if (node is null) return FoldPruningSpec.Off;
        if (node is YamlScalarNode s && Reader.Typed(s) is { Kind: ParameterKind.Bool } on) return on.AsBool() ? new FoldPruningSpec(true) : FoldPruningSpec.Off;
        if (node is not YamlMappingNode m) { r.Problem("fold_pruning", node, "expected true, false or {alpha: 0.05, min_folds: 3}"); return FoldPruningSpec.Off; }
        r.CheckKeys(m, "fold_pruning", ["alpha", "min_folds"]);
        double alpha = 0.05;
        if (r.Child(m, "alpha") is not null && r.Double(m, "fold_pruning", "alpha") is { } a)
        {
            if (a is > 0 and < 0.5) alpha = a;
            else r.Problem("fold_pruning.alpha", r.Child(m, "alpha")!, $"value {a} is out of range; expected a significance level in (0, 0.5)");
        }
        int minFolds = (int)(r.Int(m, "fold_pruning", "min_folds", 3, 2, 1000) ?? 3);
        return new FoldPruningSpec(true, alpha, minFolds);
    }

    private static BudgetSpec ReadBudget(Reader r, YamlMappingNode root)
    {
        var node = r.Child(root, "budget");
        if (node is null) return new BudgetSpec(1000, 64);
        if (node is not YamlMappingNode m) { r.Problem("budget", node, "expected a mapping with max_trials and max_parallel_runs"); return new BudgetSpec(1000, 64); }
        r.CheckKeys(m, "budget", ["max_trials", "max_parallel_runs"]);
        long trials = r.Int(m, "budget", "max_trials", 1000, 1, 1_000_000) ?? 1000;
        long parallel = r.Int(m, "budget", "max_parallel_runs", 64, 1, 1_000_000) ?? 64;
        return new BudgetSpec((int)trials, (int)parallel);
    }

    private static int Line(YamlNode node) => (int)node.Start.Line;

    /// <summary>Collects problems while reading typed values with their paths and lines.</summary>
    private sealed class Reader(List<SpecProblem> problems)
    {
        public List<SpecProblem> Problems { get; } = problems;

        public void Problem(string path, YamlNode at, string message) => Problems.Add(new(path, Line(at), message));

        public YamlNode? Child(YamlMappingNode map, string key) =>
            map.Children.TryGetValue(new YamlScalarNode(key), out var v) ? v : null;

        public int LineOf(YamlMappingNode? map, string key) =>
            map is not null && map.Children.Keys.FirstOrDefault(k => k is YamlScalarNode s && s.Value == key) is { } k ? Line(k) : 0;

        public void CheckKeys(YamlMappingNode map, string path, IReadOnlyCollection<string> allowed)
        {
            foreach (var k in map.Children.Keys)
            {
                string key = (k as YamlScalarNode)?.Value ?? "?";
                if (!allowed.Contains(key))
                    Problem(Join(path, key), k, $"unknown key '{key}'; expected one of {string.Join(", ", allowed)}");
            }
        }

        public string? String(YamlMappingNode map, string path, string key)
        {
            if (Child(map, key) is not { } v) return null;
            if (v is YamlScalarNode s && !string.IsNullOrWhiteSpace(s.Value)) return s.Value;
            Problem(Join(path, key), v, "expected a non-empty string");
            return null;
        }

        public long? Int(YamlMappingNode map, string path, string key, long? fallback, long min, long max)
        {
            if (Child(map, key) is not { } v)
            {
                if (fallback is null) Problems.Add(new(Join(path, key), Line(map), "missing; expected an integer"));
                return fallback;
            }
            if (v is YamlScalarNode s && s.Style == ScalarStyle.Plain && long.TryParse(s.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long n))
            {
                if (n >= min && n <= max) return n;
                Problem(Join(path, key), v, $"value {n} is out of range; expected {min}..{max}");
                return null;
            }
            Problem(Join(path, key), v, $"value '{(v as YamlScalarNode)?.Value ?? v.NodeType.ToString()}' is not an integer; expected an integer in {min}..{max}");
            return null;
        }

        public double? Double(YamlMappingNode map, string path, string key)
        {
            if (Child(map, key) is not { } v) { Problems.Add(new(Join(path, key), Line(map), "missing; expected a number")); return null; }
            if (v is YamlScalarNode s && s.Style == ScalarStyle.Plain &&
                double.TryParse(s.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) && double.IsFinite(d)) return d;
            Problem(Join(path, key), v, $"value '{(v as YamlScalarNode)?.Value ?? v.NodeType.ToString()}' is not a number");
            return null;
        }

        public ImmutableArray<int> IntList(YamlNode node, string path, int min, int max)
        {
            if (node is not YamlSequenceNode seq || seq.Children.Count == 0)
            {
                Problem(path, node, "expected a non-empty list of integers or a count");
                return [];
            }
            var list = new List<int>();
            foreach (var c in seq.Children)
            {
                if (c is YamlScalarNode s && s.Style == ScalarStyle.Plain && int.TryParse(s.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int n) && n >= min && n <= max)
                    list.Add(n);
                else Problem(path, c, $"value '{(c as YamlScalarNode)?.Value}' is not an integer in {min}..{max}");
            }
            if (list.Distinct().Count() != list.Count) Problem(path, node, "values repeat; each must appear once");
            return [.. list];
        }

        /// <summary>Plain scalars are typed like YAML's core schema; quoted ones stay strings.</summary>
        public static ParameterValue Typed(YamlScalarNode s)
        {
            string text = s.Value ?? "";
            if (s.Style is not ScalarStyle.Plain) return ParameterValue.Of(text);
            if (text is "true" or "True" or "TRUE") return ParameterValue.Of(true);
            if (text is "false" or "False" or "FALSE") return ParameterValue.Of(false);
            if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long l)) return ParameterValue.Of(l);
            if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) && double.IsFinite(d)) return ParameterValue.Of(d);
            return ParameterValue.Of(text);
        }

        private static string Join(string path, string key) => path.Length == 0 ? key : $"{path}.{key}";
    }
}
