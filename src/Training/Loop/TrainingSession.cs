using System.Diagnostics;
using Amber.Training.Checkpoints;
using Amber.Training.Losses;
using Amber.Training.Metrics;
using Amber.Training.Model;
using Amber.Training.Numerics;
using Amber.Training.Optimization;

namespace Amber.Training;

/// <summary>
/// One training run, advanced an epoch (or a step) at a time, checkpointable between epochs. Everything random is a
/// pure function of (seed, epoch, step, global row), so a resumed run continues bit for bit like an uninterrupted one.
/// Legend: N samples, B global batch, Da/Dt feature widths, C classes.
/// </summary>
public sealed class TrainingSession
{
    private const ulong ShuffleStream = 0x5348554646ul;

    private readonly TrainingData _train;
    private readonly TrainingData _validation;
    private readonly TrainerOptions _options;
    private readonly AmberNetwork<float> _net;
    private readonly IOptimizer _optimizer;
    private readonly CosineSchedule _schedule;
    private readonly int[] _order;        // [N] this epoch's permutation (or weighted draws)
    private readonly ClassWeightedSampler? _sampler;
    private readonly float[] _batchSpeech; // [B, Da]
    private readonly float[] _batchText;   // [B, Dt]
    private readonly float[] _batchSoft;   // [B, C]
    private readonly int[] _batchHard;     // [B]
    private readonly float[] _validationProbs; // [chunk, C]
    private readonly List<EpochReport> _curves = [];
    private float[] _bestParameters;
    private int _bestEpoch;
    private double _bestJs = double.PositiveInfinity;
    private int _epochsWithoutImprovement;
    private bool _stopped;
    private long _step;
    private double _lastRate;

    private TrainingSession(TrainingData train, TrainingData validation, ModelConfig model, LossConfig loss, TrainerOptions options)
    {
        options.Validate();
        CheckData(train, model, "training");
        CheckData(validation, model, "validation");
        if (validation.Count == 0)
        {
            throw new ArgumentException("Validation data is empty; early stopping and model selection need at least one sample.");
        }
        if (train.Count == 0)
        {
            throw new ArgumentException("Training data is empty.");
        }
        if (options.BlasThreads is int threads)
        {
            OpenBlas.Threads = threads;
        }
        _train = train;
        _validation = validation;
        _options = options;
        var capacity = Math.Max(options.BatchSize, AmberModel.InferenceChunk);
        _net = new AmberNetwork<float>(model, loss, capacity, options.Seed);
        _optimizer = options.Optimizer == OptimizerKind.AdamW
            ? new AdamW(_net.Layout.Total, options.Beta1, options.Beta2, options.Epsilon, options.WeightDecay)
            : new Sgd(_net.Layout.Total, options.Momentum, options.WeightDecay);
        StepsPerEpoch = (train.Count + options.BatchSize - 1) / options.BatchSize;
        _schedule = CosineSchedule.WithWarmupFraction(options.LearningRate, options.WarmupFraction, StepsPerEpoch * options.MaxEpochs);
        _order = new int[train.Count];
        _sampler = options.ClassWeightedSampling ? new ClassWeightedSampler(train, options.ClassMultipliers) : null;
        _batchSpeech = new float[options.BatchSize * model.SpeechDim];
        _batchText = new float[options.BatchSize * model.TextDim];
        _batchSoft = new float[options.BatchSize * model.Classes];
        _batchHard = new int[options.BatchSize];
        _validationProbs = new float[capacity * model.Classes];
        _bestParameters = (float[])_net.Parameters.Clone();
    }

    /// <summary>Starts a run from the seeded initialisation.</summary>
    public static TrainingSession Create(TrainingData train, TrainingData validation, ModelConfig model, LossConfig loss, TrainerOptions options)
        => new(train, validation, model, loss, options);

    /// <summary>
    /// Continues a run from a checkpoint written by <see cref="SaveCheckpoint"/>; fails with a clear message when the
    /// checkpoint belongs to another model layout or optimiser.
    /// </summary>
    public static TrainingSession Resume(Stream checkpoint, TrainingData train, TrainingData validation, ModelConfig model,
        LossConfig loss, TrainerOptions options, string source = "(stream)")
    {
        var session = new TrainingSession(train, validation, model, loss, options);
        var c = CheckpointFormat.Read(checkpoint, source);
        CheckpointFormat.RequireLayout(c, session._net.Layout, source);
        var state = c.Trainer ?? throw new InvalidDataException($"Checkpoint {source} holds a model only; resuming needs a training checkpoint.");
        if (state.OptimizerName != session._optimizer.Name || state.OptimizerState.Count != session._optimizer.State.Count)
        {
            throw new InvalidDataException($"Checkpoint {source} was written by optimizer '{state.OptimizerName}'; this run uses '{session._optimizer.Name}'.");
        }
        c.Parameters.CopyTo(session._net.Parameters, 0);
        for (var i = 0; i < state.OptimizerState.Count; i++)
        {
            state.OptimizerState[i].CopyTo(session._optimizer.State[i], 0);
        }
        var expected = session.Randomness;
        var saved = state.Randomness;
        if (saved.Seed != expected.Seed || saved.DataOrder != expected.DataOrder || saved.BatchSize != expected.BatchSize || saved.Step != state.OptimizerSteps)
        {
            throw new InvalidDataException(
                $"Checkpoint {source} was written with seed {saved.Seed}, data order '{saved.DataOrder}', batch {saved.BatchSize} at step {saved.Step}; " +
                $"this run uses seed {expected.Seed}, data order '{expected.DataOrder}', batch {expected.BatchSize}, so resuming would not continue the same run.");
        }
        session._optimizer.RestoreSteps(state.OptimizerSteps);
        session._step = state.OptimizerSteps;
        session._bestEpoch = state.BestEpoch;
        session._bestJs = state.BestValidationJs;
        session._epochsWithoutImprovement = state.EpochsWithoutImprovement;
        session._stopped = state.Stopped;
        session._bestParameters = state.BestParameters;
        session._curves.AddRange(state.Curves);
        return session;
    }

    /// <summary>The data order and random state now (what a checkpoint records and a resume checks).</summary>
    public RandomState Randomness => new(_options.Seed, _sampler is null ? "permutation" : "class-weighted", _options.BatchSize, _step);

    /// <summary>Optimisation steps per epoch, ⌈N / B⌉ (the last batch may be smaller).</summary>
    public int StepsPerEpoch { get; }

    /// <summary>Epochs run so far.</summary>
    public int EpochsCompleted => _curves.Count;

    /// <summary>True when the epoch limit is reached or early stopping fired.</summary>
    public bool IsFinished => _stopped || EpochsCompleted >= _options.MaxEpochs;

    /// <summary>The reports so far.</summary>
    public IReadOnlyList<EpochReport> Curves => _curves;

    /// <summary>The model with its current (not necessarily best) parameters.</summary>
    public AmberModel CurrentModel => new(_net);

    /// <summary>The gradient buffer of the last step (same layout as the parameters).</summary>
    public ReadOnlySpan<float> Gradients => _net.Gradients;

    /// <summary>Runs one epoch: shuffled steps, then a validation pass and early-stopping bookkeeping.</summary>
    public EpochReport RunEpoch(CancellationToken cancellationToken = default)
    {
        if (IsFinished)
        {
            throw new InvalidOperationException($"The run is finished after {EpochsCompleted} epochs; no further epoch to run.");
        }
        var started = Stopwatch.GetTimestamp();
        var epoch = EpochsCompleted + 1;
        if (_sampler is null)
        {
            CounterRandom.Permutation(_order, _options.Seed, ShuffleStream + (ulong)epoch);
        }
        else
        {
            _sampler.Draw(_order, _options.Seed, ShuffleStream + (ulong)epoch);
        }
        var terms = default(LossTerms);
        for (var start = 0; start < _order.Length; start += _options.BatchSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var rows = Math.Min(_options.BatchSize, _order.Length - start);
            var t = TrainStep(_order.AsSpan(start, rows));
            terms.Add(t);
        }
        var (valLoss, valJs, valBc) = Validate();
        var improved = valJs < _bestJs;
        if (improved)
        {
            _bestJs = valJs;
            _bestEpoch = epoch;
            _epochsWithoutImprovement = 0;
            _net.Parameters.CopyTo(_bestParameters, 0);
        }
        else
        {
            _epochsWithoutImprovement++;
            _stopped = _options.Patience > 0 && _epochsWithoutImprovement >= _options.Patience;
        }
        var report = new EpochReport(epoch, terms.Samples == 0 ? double.NaN : terms.Total / terms.Samples, valLoss, valJs, valBc,
            _lastRate, Stopwatch.GetElapsedTime(started).TotalSeconds, improved);
        _curves.Add(report);
        return report;
    }

    /// <summary>
    /// One optimisation step on the global batch whose training-set rows are <paramref name="batchRows"/>. This worker
    /// takes rows [rank·B/W, (rank+1)·B/W) of it, normalises by the global B, and the reducer sums the ranks' gradients.
    /// Allocates nothing once warmed up.
    /// </summary>
    public LossTerms TrainStep(ReadOnlySpan<int> batchRows)
    {
        var global = batchRows.Length;
        if (global < 1 || global > _options.BatchSize)
        {
            throw new ArgumentOutOfRangeException(nameof(batchRows), global, $"A step takes between 1 and {_options.BatchSize} rows.");
        }
        var lo = (int)((long)_options.Rank * global / _options.WorldSize);
        var hi = (int)((long)(_options.Rank + 1) * global / _options.WorldSize);
        var local = hi - lo;
        Gather(batchRows[lo..hi]);
        int da = _train.SpeechDim, dt = _train.TextDim, c = _train.Classes;
        return TrainStep(_batchSpeech.AsSpan(0, local * da), _batchText.AsSpan(0, local * dt), _batchSoft.AsSpan(0, local * c),
            _batchHard.AsSpan(0, local), global, lo);
    }

    /// <summary>
    /// One optimisation step on this worker's slice of a global batch, given as rows: speech [b, Da], text [b, Dt],
    /// soft [b, C], hard [b] (b may be 0). <paramref name="globalBatchSize"/> normalises the loss and
    /// <paramref name="firstGlobalRow"/> places the slice in the global batch (it keys the dropout masks). A data-parallel
    /// worker that holds only its shard calls this; the reducer then sums the ranks' gradients. Allocates nothing.
    /// </summary>
    public LossTerms TrainStep(ReadOnlySpan<float> speech, ReadOnlySpan<float> text, ReadOnlySpan<float> soft,
        ReadOnlySpan<int> hard, int globalBatchSize, int firstGlobalRow)
    {
        var local = hard.Length;
        int da = _train.SpeechDim, dt = _train.TextDim, c = _train.Classes;
        if (globalBatchSize < 1 || local > globalBatchSize || local > _net.Capacity || firstGlobalRow < 0 ||
            speech.Length != local * da || text.Length != local * dt || soft.Length != local * c)
        {
            throw new ArgumentException(
                $"TrainStep: {local} rows (speech {speech.Length}, text {text.Length}, soft {soft.Length} values) of a global batch of {globalBatchSize} from row {firstGlobalRow}; expected [b, {da}], [b, {dt}], [b, {c}] with b ≤ {Math.Min(globalBatchSize, _net.Capacity)}.");
        }
        _net.ZeroGradients();
        var terms = default(LossTerms);
        if (local > 0)
        {
            _net.Forward(speech, text, local, new DropoutContext(true, 0, _options.Seed, _step, firstGlobalRow));
            terms = _net.LossAndBackward(speech, text, soft, hard, 1.0 / globalBatchSize, backward: true);
        }
        _options.Reducer.AllReduce(_net.Gradients);
        // Clipping is applied inside the optimiser's pass (one read of the gradients instead of two).
        var scale = _options.ClipNorm > 0 ? GradientClipping.Coefficient(GradientClipping.Norm(_net.Gradients), _options.ClipNorm) : 1f;
        _lastRate = _schedule.RateAt(_step);
        _optimizer.Step(_net.Parameters, _net.Gradients, (float)_lastRate, scale);
        _step++;
        return terms;
    }

    /// <summary>Writes parameters, optimiser state, step, early-stopping state and curves (call between epochs).</summary>
    public void SaveCheckpoint(Stream destination)
    {
        var state = new TrainerState(_optimizer.Name, _optimizer.Steps, _optimizer.State, EpochsCompleted, _bestEpoch, _bestJs,
            _epochsWithoutImprovement, _stopped, _bestParameters, _curves, Randomness);
        CheckpointFormat.Write(destination, new AmberModel(_net), state);
    }

    /// <summary>The result: a model holding the best epoch's parameters, the curves and the best epoch.</summary>
    public FitResult Complete()
    {
        var best = new AmberModel(_net.Config, _net.Loss);
        (_bestEpoch > 0 ? _bestParameters : _net.Parameters).CopyTo(best.Parameters, 0);
        return new FitResult(best, _curves.ToArray(), _bestEpoch, _bestJs, _stopped && EpochsCompleted < _options.MaxEpochs);
    }

    private (double Loss, double Js, double Bc) Validate()
    {
        var v = _validation;
        int da = v.SpeechDim, dt = v.TextDim, c = v.Classes;
        double loss = 0, js = 0, bc = 0;
        // A data-parallel rank validates its share of the rows [r·N/W, (r+1)·N/W); the reducer adds the ranks' sums in rank
        // order, so every rank sees the same metrics and takes the same early-stopping decision. W = 1 covers every row.
        var first = (int)((long)_options.Rank * v.Count / _options.WorldSize);
        var end = (int)((long)(_options.Rank + 1) * v.Count / _options.WorldSize);
        for (var start = first; start < end; start += _net.Capacity)
        {
            var rows = Math.Min(_net.Capacity, end - start);
            var speech = v.Speech.AsSpan(start * da, rows * da);
            var text = v.Text.AsSpan(start * dt, rows * dt);
            _net.Forward(speech, text, rows, DropoutContext.Evaluation);
            loss += _net.LossAndBackward(speech, text, v.Soft.AsSpan(start * c, rows * c), v.Hard.AsSpan(start, rows), 0, backward: false).Total;
            _net.Probabilities(_validationProbs, default, default);
            for (var r = 0; r < rows; r++)
            {
                var p = _validationProbs.AsSpan(r * c, c);
                var y = v.Soft.AsSpan((start + r) * c, c);
                js += RowMetrics.JensenShannonBits(p, y);
                bc += RowMetrics.Bhattacharyya(p, y);
            }
        }
        if (_options.WorldSize > 1)
        {
            Span<double> sums = [loss, js, bc];
            _options.Reducer.SumInRankOrder(sums);
            (loss, js, bc) = (sums[0], sums[1], sums[2]);
        }
        return (loss / v.Count, js / v.Count, bc / v.Count);
    }

    private void Gather(ReadOnlySpan<int> rows)
    {
        int da = _train.SpeechDim, dt = _train.TextDim, c = _train.Classes;
        for (var i = 0; i < rows.Length; i++)
        {
            var r = rows[i];
            _train.Speech.AsSpan(r * da, da).CopyTo(_batchSpeech.AsSpan(i * da, da));
            _train.Text.AsSpan(r * dt, dt).CopyTo(_batchText.AsSpan(i * dt, dt));
            _train.Soft.AsSpan(r * c, c).CopyTo(_batchSoft.AsSpan(i * c, c));
            _batchHard[i] = _train.Hard[r];
        }
    }

    private static void CheckData(TrainingData data, ModelConfig model, string name)
    {
        if (data.SpeechDim != model.SpeechDim || data.TextDim != model.TextDim || data.Classes != model.Classes)
        {
            throw new ArgumentException(
                $"The {name} data is [Da = {data.SpeechDim}, Dt = {data.TextDim}, C = {data.Classes}] but the model expects [Da = {model.SpeechDim}, Dt = {model.TextDim}, C = {model.Classes}].");
        }
    }
}
