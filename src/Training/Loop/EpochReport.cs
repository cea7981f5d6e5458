namespace Amber.Training;

/// <summary>One point of the learning curves.</summary>
/// <param name="Epoch">1-based epoch.</param>
/// <param name="TrainLoss">Mean training loss of this worker's samples (dropout on).</param>
/// <param name="ValidationLoss">Mean validation loss (dropout off).</param>
/// <param name="ValidationJs">Validation JS divergence in bits (the early-stopping criterion).</param>
/// <param name="ValidationBc">Validation Bhattacharyya coefficient.</param>
/// <param name="LearningRate">Learning rate of the epoch's last step.</param>
/// <param name="Seconds">Wall time of the epoch, validation included.</param>
/// <param name="IsBest">True when this epoch improved the validation JS.</param>
public sealed record EpochReport(int Epoch, double TrainLoss, double ValidationLoss, double ValidationJs, double ValidationBc,
    double LearningRate, double Seconds, bool IsBest);
