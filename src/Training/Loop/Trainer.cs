using Amber.Training.Losses;
using Amber.Training.Model;

namespace Amber.Training;

/// <summary>The entry point that trains one model (one fold × seed) to completion.</summary>
public static class Trainer
{
    /// <summary>
    /// Trains until the epoch limit or early stopping and returns the best epoch's model with the curves.
    /// <paramref name="afterEpoch"/> (optional) is called after each epoch, e.g. to write a checkpoint.
    /// </summary>
    public static FitResult Fit(TrainingData train, TrainingData validation, ModelConfig model, LossConfig loss,
        TrainerOptions options, IProgress<EpochReport>? progress = null, Action<TrainingSession>? afterEpoch = null,
        CancellationToken cancellationToken = default)
        => Run(TrainingSession.Create(train, validation, model, loss, options), progress, afterEpoch, cancellationToken);

    /// <summary>Trains with the spec's default model sizes (H = 256, dropout 0.2) for the data's widths.</summary>
    public static FitResult Fit(TrainingData train, TrainingData validation, LossConfig loss, TrainerOptions options,
        IProgress<EpochReport>? progress = null, CancellationToken cancellationToken = default)
        => Fit(train, validation, new ModelConfig(train.SpeechDim, train.TextDim, Classes: train.Classes), loss, options,
            progress, null, cancellationToken);

    /// <summary>Continues a run from a training checkpoint and trains it to completion.</summary>
    public static FitResult Resume(Stream checkpoint, TrainingData train, TrainingData validation, ModelConfig model,
        LossConfig loss, TrainerOptions options, IProgress<EpochReport>? progress = null,
        Action<TrainingSession>? afterEpoch = null, CancellationToken cancellationToken = default)
        => Run(TrainingSession.Resume(checkpoint, train, validation, model, loss, options), progress, afterEpoch, cancellationToken);

    private static FitResult Run(TrainingSession session, IProgress<EpochReport>? progress, Action<TrainingSession>? afterEpoch,
        CancellationToken cancellationToken)
    {
        while (!session.IsFinished)
        {
            var report = session.RunEpoch(cancellationToken);
            progress?.Report(report);
            afterEpoch?.Invoke(session);
        }
        return session.Complete();
    }
}
