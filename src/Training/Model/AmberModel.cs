using Amber.Training.Checkpoints;
using Amber.Training.Losses;

namespace Amber.Training.Model;

/// <summary>
/// A trained (or freshly initialised) float32 AmbER² model: its configuration, its parameter buffer and inference.
/// </summary>
public sealed class AmberModel
{
    /// <summary>Rows per forward pass at inference.</summary>
    public const int InferenceChunk = 256;

    internal AmberNetwork<float> Network { get; }

    /// <summary>Wraps a network (the trainer's).</summary>
    internal AmberModel(AmberNetwork<float> network) => Network = network;

    /// <summary>A new model initialised from <paramref name="seed"/>.</summary>
    public AmberModel(ModelConfig config, LossConfig loss, ulong seed = 0, int capacity = InferenceChunk)
        : this(new AmberNetwork<float>(config, loss, capacity, seed))
    {
    }

    /// <summary>The sizes.</summary>
    public ModelConfig Config => Network.Config;

    /// <summary>The objective the model was built for (it decides which heads exist).</summary>
    public LossConfig Loss => Network.Loss;

    /// <summary>Named slices of <see cref="Parameters"/>.</summary>
    public ParameterLayout Layout => Network.Layout;

    /// <summary>The contiguous parameter buffer.</summary>
    public float[] Parameters => Network.Parameters;

    /// <summary>Predicts p_AT, p_A, p_T for speech [N, Da] and text [N, Dt] (dropout off).</summary>
    public Prediction Predict(ReadOnlySpan<float> speech, ReadOnlySpan<float> text)
    {
        int da = Config.SpeechDim, dt = Config.TextDim, c = Config.Classes;
        if (speech.Length % da != 0 || text.Length % dt != 0 || speech.Length / da != text.Length / dt)
        {
            throw new ArgumentException($"Predict: speech has {speech.Length} values and text {text.Length}; expected [N, {da}] and [N, {dt}] with the same N.");
        }
        var n = speech.Length / da;
        var experts = Loss.Method.UsesExperts();
        var student = new float[n * c];
        var speechExpert = experts ? new float[n * c] : null;
        var textExpert = experts ? new float[n * c] : null;
        for (var start = 0; start < n; start += Network.Capacity)
        {
            var rows = Math.Min(Network.Capacity, n - start);
            Network.Forward(speech.Slice(start * da, rows * da), text.Slice(start * dt, rows * dt), rows, DropoutContext.Evaluation);
            Network.Probabilities(student.AsSpan(start * c, rows * c),
                experts ? speechExpert.AsSpan(start * c, rows * c) : default,
                experts ? textExpert.AsSpan(start * c, rows * c) : default);
        }
        return new Prediction(n, c, student, speechExpert, textExpert);
    }

    /// <summary>Writes the model (configuration and parameters) as a checkpoint.</summary>
    public void Save(Stream destination) => CheckpointFormat.Write(destination, this, null);

    /// <summary>Reads a model written by <see cref="Save"/> (or the model part of a training checkpoint).</summary>
    public static AmberModel Load(Stream source)
    {
        var checkpoint = CheckpointFormat.Read(source, "model");
        var model = new AmberModel(checkpoint.Model, checkpoint.Loss);
        CheckpointFormat.RequireLayout(checkpoint, model.Layout, "model");
        checkpoint.Parameters.CopyTo(model.Parameters, 0);
        return model;
    }
}
