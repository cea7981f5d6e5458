namespace Amber.Training.Model;

/// <summary>Class distributions predicted for N samples, each [N, C] row-major.</summary>
/// <param name="Count">N.</param>
/// <param name="Classes">C.</param>
/// <param name="Student">p_AT, the prediction (for late_fusion the mean of the experts).</param>
/// <param name="SpeechExpert">p_A, or null when the method has no experts.</param>
/// <param name="TextExpert">p_T, or null when the method has no experts.</param>
public sealed record Prediction(int Count, int Classes, float[] Student, float[]? SpeechExpert, float[]? TextExpert);
