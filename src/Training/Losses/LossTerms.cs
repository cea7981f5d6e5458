namespace Amber.Training.Losses;

/// <summary>
/// Sums over the samples of one batch of the loss and its parts (divide by <see cref="Samples"/> for means).
/// </summary>
public struct LossTerms
{
    /// <summary>Number of samples summed.</summary>
    public int Samples;
    /// <summary>Σ per-sample total loss L.</summary>
    public double Total;
    /// <summary>Σ of the student's term: D(p_AT, y) (amber2, soft), CE (ce), JS + λH (js_entropy); 0 for late_fusion.</summary>
    public double Student;
    /// <summary>Σ of D(p_A, y) + D(p_T, y), unweighted (amber2*, late_fusion).</summary>
    public double Experts;
    /// <summary>Σ of the modality-level guidance L_M, gate included, before β.</summary>
    public double Guidance;
    /// <summary>Σ of the speech expert's weight w_A.</summary>
    public double SpeechWeight;
    /// <summary>Σ of the conflict gate 1 − JS₂(p_A, p_T) (1 when the gate is off).</summary>
    public double Gate;

    /// <summary>Adds another batch's sums (for epoch means).</summary>
    public void Add(in LossTerms other)
    {
        Samples += other.Samples;
        Total += other.Total;
        Student += other.Student;
        Experts += other.Experts;
        Guidance += other.Guidance;
        SpeechWeight += other.SpeechWeight;
        Gate += other.Gate;
    }
}
