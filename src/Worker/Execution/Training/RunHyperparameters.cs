using Amber.Data.Protocols;
using Amber.Grains.Parameters;
using Amber.Training;
using Amber.Training.Losses;
using Amber.Training.Model;

namespace Amber.Worker.Execution.Training;

/// <summary>
/// A trial's hyperparameters turned into the training engine's configuration records. Names and ranges were checked
/// at submission (HyperparameterCatalog); anything the trial leaves unset keeps the SPEC-AMBER.md default.
/// </summary>
/// <param name="Method">The method name (amber2, ce, …).</param>
/// <param name="Loss">Loss configuration.</param>
/// <param name="Hidden">Projection width H.</param>
/// <param name="Dropout">Dropout probability.</param>
/// <param name="Trainer">Optimizer and loop settings (seed included).</param>
/// <param name="DimeAug">DiME-Aug settings, or null when it is off.</param>
public sealed record RunHyperparameters(string Method, LossConfig Loss, int Hidden, double Dropout, TrainerOptions Trainer, DimeAugOptions? DimeAug)
{
    /// <summary>Maps <paramref name="parameters"/> for one run with <paramref name="seed"/>.</summary>
    /// <exception cref="FormatException">Unknown method or divergence (names the valid ones).</exception>
    public static RunHyperparameters From(TrialParameters parameters, int seed)
    {
        double D(string name, double fallback) => parameters.Get(name)?.AsDouble() ?? fallback;
        int I(string name, int fallback) => parameters.Get(name) is { } v ? checked((int)v.AsInt()) : fallback;
        bool B(string name, bool fallback) => parameters.Get(name)?.AsBool() ?? fallback;

        string method = parameters.Method;
        var defaults = new LossConfig();
        var loss = LossConfig.ForMethod(method) with
        {
            Divergence = parameters.Get("divergence") is { } d ? LossNames.ParseDivergence(d.AsString()) : defaults.Divergence,
            ExpertWeight = D("lambda_e", defaults.ExpertWeight),
            GuidanceWeight = D("beta", defaults.GuidanceWeight),
            Temperature = D("tau", defaults.Temperature),
            ConflictGate = B("conflict_gate", defaults.ConflictGate),
            EntropyWeight = D("entropy_weight", defaults.EntropyWeight),
        };
        var t = new TrainerOptions();
        var trainer = t with
        {
            LearningRate = D("lr", t.LearningRate),
            WeightDecay = D("weight_decay", t.WeightDecay),
            Beta1 = D("adam_beta1", t.Beta1),
            Beta2 = D("adam_beta2", t.Beta2),
            BatchSize = I("batch_size", t.BatchSize),
            MaxEpochs = I("max_epochs", t.MaxEpochs),
            Patience = I("patience", t.Patience),
            WarmupFraction = D("warmup", t.WarmupFraction),
            ClipNorm = D("grad_clip", t.ClipNorm),
            Seed = unchecked((ulong)seed),
            // Several runs share the cores in-process; one BLAS thread each keeps them from oversubscribing.
            BlasThreads = 1,
            ClassWeightedSampling = B("class_weighted", false),
        };
        DimeAugOptions? dime = null;
        if (B("dime_aug", false))
        {
            var o = new DimeAugOptions();
            dime = o with { Ratio = D("dime_aug_ratio", o.Ratio), Neighbours = I("dime_aug_k", o.Neighbours), Seed = seed };
        }
        return new RunHyperparameters(method, loss, I("hidden", 256), D("dropout", 0.2), trainer, dime);
    }
}
