using Amber.Training.Model;

namespace Amber.Training;

/// <summary>The outcome of <see cref="Trainer.Fit(TrainingData, TrainingData, ModelConfig, Losses.LossConfig, TrainerOptions, IProgress{EpochReport}?, Action{TrainingSession}?, CancellationToken)"/>.</summary>
/// <param name="Model">The model with the parameters of the best epoch.</param>
/// <param name="Curves">One report per epoch run.</param>
/// <param name="BestEpoch">1-based epoch with the lowest validation JS.</param>
/// <param name="BestValidationJs">That JS.</param>
/// <param name="StoppedEarly">True when early stopping ended the run before the epoch limit.</param>
public sealed record FitResult(AmberModel Model, IReadOnlyList<EpochReport> Curves, int BestEpoch, double BestValidationJs, bool StoppedEarly);
