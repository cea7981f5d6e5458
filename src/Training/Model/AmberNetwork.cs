using System.Numerics;
using System.Numerics.Tensors;
using Amber.Training.Layers;
using Amber.Training.Losses;
using Amber.Training.Numerics;

namespace Amber.Training.Model;

/// <summary>
/// The AmbER² network with explicit forward and backward over one contiguous parameter buffer and one gradient buffer.
/// Generic over the element type: <c>float</c> trains, <c>double</c> runs the finite-difference checks.
/// Legend: B batch rows, Da speech width, Dt text width, H hidden width, C classes.
/// </summary>
public sealed class AmberNetwork<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private const uint SpeechStream = 1, TextStream = 2, FusionStream = 3;

    private readonly ModelConfig _config;
    private readonly LossConfig _loss;
    private readonly Branch<T> _speech, _text, _fusion;
    private readonly T[] _logitsF, _logitsA, _logitsT; // [B, C]
    private readonly T[] _dLogitsF, _dLogitsA, _dLogitsT; // [B, C]
    private readonly T[] _joint, _dJoint; // [B, 2H] [h_A ; h_T] and its gradient
    private readonly bool _experts, _fusionHead;
    private readonly Slices _s;
    private int _batch;

    /// <summary>Named slices of <see cref="Parameters"/> and <see cref="Gradients"/>.</summary>
    public ParameterLayout Layout { get; }

    /// <summary>All parameters, row-major, in <see cref="Layout"/> order.</summary>
    public T[] Parameters { get; }

    /// <summary>All gradients, same layout; backward accumulates into it and <see cref="ZeroGradients"/> clears it.</summary>
    public T[] Gradients { get; }

    /// <summary>The sizes.</summary>
    public ModelConfig Config => _config;

    /// <summary>The objective.</summary>
    public LossConfig Loss => _loss;

    /// <summary>Most rows one forward pass takes.</summary>
    public int Capacity { get; }

    /// <summary>Creates the network with PyTorch-style initialisation drawn from <paramref name="seed"/>.</summary>
    public AmberNetwork(ModelConfig config, LossConfig loss, int capacity, ulong seed)
    {
        config.Validate();
        loss.Validate();
        if (capacity < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(capacity), capacity, "Batch capacity must be at least 1.");
        }
        _config = config;
        _loss = loss;
        Capacity = capacity;
        Layout = ParameterLayout.For(config, loss.Method);
        Parameters = new T[Layout.Total];
        Gradients = new T[Layout.Total];
        _experts = loss.Method.UsesExperts();
        _fusionHead = loss.Method.UsesFusion();
        _s = new Slices(Layout);
        int h = config.Hidden, c = config.Classes;
        _speech = new Branch<T>(capacity, h, config.Activation);
        _text = new Branch<T>(capacity, h, config.Activation);
        _fusion = new Branch<T>(_fusionHead ? capacity : 1, h, config.Activation);
        _logitsF = new T[capacity * c];
        _logitsA = new T[capacity * c];
        _logitsT = new T[capacity * c];
        _dLogitsF = new T[capacity * c];
        _dLogitsA = new T[capacity * c];
        _dLogitsT = new T[capacity * c];
        _joint = new T[_fusionHead ? capacity * 2 * h : 0];
        _dJoint = new T[_fusionHead ? capacity * 2 * h : 0];
        Initialize(seed);
    }

    /// <summary>[B, C] student logits of the last forward (empty for late_fusion).</summary>
    public ReadOnlySpan<T> LogitsFusion => _fusionHead ? _logitsF.AsSpan(0, _batch * _config.Classes) : default;

    /// <summary>[B, C] speech expert logits of the last forward (empty without experts).</summary>
    public ReadOnlySpan<T> LogitsSpeech => _experts ? _logitsA.AsSpan(0, _batch * _config.Classes) : default;

    /// <summary>[B, C] text expert logits of the last forward (empty without experts).</summary>
    public ReadOnlySpan<T> LogitsText => _experts ? _logitsT.AsSpan(0, _batch * _config.Classes) : default;

    /// <summary>Sets every gradient to zero.</summary>
    public void ZeroGradients() => Array.Clear(Gradients);

    /// <summary>A view of one named parameter.</summary>
    public Span<T> Parameter(string name)
    {
        var s = Layout[name];
        return Parameters.AsSpan(s.Offset, s.Length);
    }

    /// <summary>A view of one named gradient.</summary>
    public Span<T> Gradient(string name)
    {
        var s = Layout[name];
        return Gradients.AsSpan(s.Offset, s.Length);
    }

    /// <summary>Forward pass of speech [B, Da] and text [B, Dt]; the logits stay in the network until the next call.</summary>
    public void Forward(ReadOnlySpan<T> speech, ReadOnlySpan<T> text, int batch, in DropoutContext dropout)
    {
        if (batch < 1 || batch > Capacity)
        {
            throw new ArgumentOutOfRangeException(nameof(batch), batch, $"Batch size must be in [1, {Capacity}].");
        }
        int h = _config.Hidden, c = _config.Classes, da = _config.SpeechDim, dt = _config.TextDim;
        if (speech.Length < batch * da || text.Length < batch * dt)
        {
            throw new ArgumentException($"Forward of {batch} rows needs speech [{batch}, {da}] and text [{batch}, {dt}]; got {speech.Length} and {text.Length} values.");
        }
        _batch = batch;
        var p = Parameters.AsSpan();
        var drop = dropout with { Probability = _config.Dropout };
        Linear.Forward<T>(_speech.Pre, speech, _s.SpeechW.Of(p), _s.SpeechB.Of(p), batch, da, h);
        _speech.ForwardAfterLinear(_s.SpeechGamma.Of(p), _s.SpeechBeta.Of(p), batch, drop, SpeechStream);
        Linear.Forward<T>(_text.Pre, text, _s.TextW.Of(p), _s.TextB.Of(p), batch, dt, h);
        _text.ForwardAfterLinear(_s.TextGamma.Of(p), _s.TextBeta.Of(p), batch, drop, TextStream);
        if (_experts)
        {
            Linear.Forward<T>(_logitsA, _speech.Output, _s.SpeechHeadW.Of(p), _s.SpeechHeadB.Of(p), batch, h, c);
            Linear.Forward<T>(_logitsT, _text.Output, _s.TextHeadW.Of(p), _s.TextHeadB.Of(p), batch, h, c);
        }
        if (_fusionHead)
        {
            // One GEMM over the concatenation [h_A ; h_T] is cheaper than two over the halves (copying is a few µs).
            for (var r = 0; r < batch; r++)
            {
                _speech.Output.AsSpan(r * h, h).CopyTo(_joint.AsSpan(r * 2 * h, h));
                _text.Output.AsSpan(r * h, h).CopyTo(_joint.AsSpan(r * 2 * h + h, h));
            }
            Linear.Forward<T>(_fusion.Pre, _joint, _s.FusionW.Of(p), _s.FusionB.Of(p), batch, 2 * h, h);
            _fusion.ForwardAfterLinear(_s.FusionGamma.Of(p), _s.FusionBeta.Of(p), batch, drop, FusionStream);
            Linear.Forward<T>(_logitsF, _fusion.Output, _s.FusionHeadW.Of(p), _s.FusionHeadB.Of(p), batch, h, c);
        }
    }

    /// <summary>
    /// Loss of the last forward against soft [B, C] and hard [B] labels; with <paramref name="backward"/> it also runs
    /// backward and accumulates gradients scaled by <paramref name="gradientScale"/> (1 / global batch size).
    /// </summary>
    public LossTerms LossAndBackward(ReadOnlySpan<T> speech, ReadOnlySpan<T> text, ReadOnlySpan<T> soft, ReadOnlySpan<int> hard,
        double gradientScale, bool backward)
    {
        var b = _batch;
        var n = b * _config.Classes;
        var terms = AmberLoss.Compute(_loss, LogitsFusion, LogitsSpeech, LogitsText, soft[..n], hard, b, _config.Classes,
            gradientScale,
            backward && _fusionHead ? _dLogitsF.AsSpan(0, n) : default,
            backward && _experts ? _dLogitsA.AsSpan(0, n) : default,
            backward && _experts ? _dLogitsT.AsSpan(0, n) : default);
        if (backward)
        {
            Backward(speech, text);
        }
        return terms;
    }

    private void Backward(ReadOnlySpan<T> speech, ReadOnlySpan<T> text)
    {
        int b = _batch, h = _config.Hidden, c = _config.Classes, da = _config.SpeechDim, dt = _config.TextDim;
        var p = Parameters.AsSpan();
        var g = Gradients.AsSpan();
        var bh = b * h;
        _speech.DOutput.AsSpan(0, bh).Clear();
        _text.DOutput.AsSpan(0, bh).Clear();
        if (_fusionHead)
        {
            _fusion.DOutput.AsSpan(0, bh).Clear();
            Linear.Backward<T>(_fusion.DOutput, _s.FusionHeadW.Of(g), _s.FusionHeadB.Of(g), _dLogitsF, _fusion.Output,
                _s.FusionHeadW.Of(p), b, h, c);
            var dPre = _fusion.BackwardToLinear(_s.FusionGamma.Of(p), _s.FusionGamma.Of(g), _s.FusionBeta.Of(g), b);
            var dJoint = _dJoint.AsSpan(0, b * 2 * h);
            dJoint.Clear();
            Linear.Backward<T>(dJoint, _s.FusionW.Of(g), _s.FusionB.Of(g), dPre, _joint, _s.FusionW.Of(p), b, 2 * h, h);
            for (var r = 0; r < b; r++)
            {
                var dSpeechRow = _speech.DOutput.AsSpan(r * h, h);
                var dTextRow = _text.DOutput.AsSpan(r * h, h);
                TensorPrimitives.Add<T>(dSpeechRow, dJoint.Slice(r * 2 * h, h), dSpeechRow);
                TensorPrimitives.Add<T>(dTextRow, dJoint.Slice(r * 2 * h + h, h), dTextRow);
            }
        }
        if (_experts)
        {
            Linear.Backward<T>(_speech.DOutput, _s.SpeechHeadW.Of(g), _s.SpeechHeadB.Of(g), _dLogitsA, _speech.Output,
                _s.SpeechHeadW.Of(p), b, h, c);
            Linear.Backward<T>(_text.DOutput, _s.TextHeadW.Of(g), _s.TextHeadB.Of(g), _dLogitsT, _text.Output,
                _s.TextHeadW.Of(p), b, h, c);
        }
        var dSpeech = _speech.BackwardToLinear(_s.SpeechGamma.Of(p), _s.SpeechGamma.Of(g), _s.SpeechBeta.Of(g), b);
        Linear.Backward<T>(default, _s.SpeechW.Of(g), _s.SpeechB.Of(g), dSpeech, speech, _s.SpeechW.Of(p), b, da, h);
        var dText = _text.BackwardToLinear(_s.TextGamma.Of(p), _s.TextGamma.Of(g), _s.TextBeta.Of(g), b);
        Linear.Backward<T>(default, _s.TextW.Of(g), _s.TextB.Of(g), dText, text, _s.TextW.Of(p), b, dt, h);
    }

    /// <summary>
    /// Class distributions of the last forward: student [B, C] (or the experts' mean for late_fusion) and, when the
    /// method has experts, each expert's [B, C].
    /// </summary>
    public void Probabilities(Span<T> student, Span<T> speechExpert, Span<T> textExpert)
    {
        int b = _batch, c = _config.Classes;
        if (_experts)
        {
            if (!speechExpert.IsEmpty)
            {
                Softmax.Forward<T>(speechExpert, LogitsSpeech, b, c);
            }
            if (!textExpert.IsEmpty)
            {
                Softmax.Forward<T>(textExpert, LogitsText, b, c);
            }
        }
        if (_fusionHead)
        {
            Softmax.Forward<T>(student, LogitsFusion, b, c);
            return;
        }
        // late_fusion: the prediction is the mean of the two experts' distributions.
        Span<T> pa = stackalloc T[c];
        Span<T> pt = stackalloc T[c];
        var half = T.CreateTruncating(0.5);
        for (var r = 0; r < b; r++)
        {
            Softmax.Forward<T>(pa, LogitsSpeech.Slice(r * c, c), 1, c);
            Softmax.Forward<T>(pt, LogitsText.Slice(r * c, c), 1, c);
            for (var k = 0; k < c; k++)
            {
                student[r * c + k] = half * (pa[k] + pt[k]);
            }
        }
    }

    private void Initialize(ulong seed)
    {
        // PyTorch's default for Linear: weight and bias ~ U(−1/√fan_in, 1/√fan_in); LayerNorm gain 1, shift 0.
        var p = Parameters.AsSpan();
        for (var i = 0; i < Layout.Slices.Count; i++)
        {
            var slice = Layout.Slices[i];
            var values = p.Slice(slice.Offset, slice.Length);
            if (slice.Name.Contains(".norm.", StringComparison.Ordinal))
            {
                values.Fill(slice.Name.EndsWith(".weight", StringComparison.Ordinal) ? T.One : T.Zero);
                continue;
            }
            var fanIn = slice.Name.EndsWith(".weight", StringComparison.Ordinal)
                ? slice.Shape[1]
                : Layout[slice.Name.Replace(".bias", ".weight", StringComparison.Ordinal)].Shape[1];
            var bound = 1.0 / Math.Sqrt(fanIn);
            for (var k = 0; k < values.Length; k++)
            {
                values[k] = T.CreateTruncating((2 * CounterRandom.Uniform(seed, 1000 + (ulong)i, (ulong)k) - 1) * bound);
            }
        }
    }

    private readonly record struct Range(int Offset, int Length)
    {
        public Span<T> Of(Span<T> buffer) => Length == 0 ? default : buffer.Slice(Offset, Length);
    }

    /// <summary>The offsets of every slice, resolved once so the hot path does no dictionary look-ups.</summary>
    private sealed class Slices
    {
        public readonly Range SpeechW, SpeechB, SpeechGamma, SpeechBeta, TextW, TextB, TextGamma, TextBeta;
        public readonly Range SpeechHeadW, SpeechHeadB, TextHeadW, TextHeadB;
        public readonly Range FusionW, FusionB, FusionGamma, FusionBeta, FusionHeadW, FusionHeadB;

        public Slices(ParameterLayout layout)
        {
            Range Get(string name) => layout.Contains(name) ? new Range(layout[name].Offset, layout[name].Length) : default;
            SpeechW = Get("speech.proj.weight");
            SpeechB = Get("speech.proj.bias");
            SpeechGamma = Get("speech.norm.weight");
            SpeechBeta = Get("speech.norm.bias");
            TextW = Get("text.proj.weight");
            TextB = Get("text.proj.bias");
            TextGamma = Get("text.norm.weight");
            TextBeta = Get("text.norm.bias");
            SpeechHeadW = Get("speech.head.weight");
            SpeechHeadB = Get("speech.head.bias");
            TextHeadW = Get("text.head.weight");
            TextHeadB = Get("text.head.bias");
            FusionW = Get("fusion.proj.weight");
            FusionB = Get("fusion.proj.bias");
            FusionGamma = Get("fusion.norm.weight");
            FusionBeta = Get("fusion.norm.bias");
            FusionHeadW = Get("fusion.head.weight");
            FusionHeadB = Get("fusion.head.bias");
        }
    }
}
