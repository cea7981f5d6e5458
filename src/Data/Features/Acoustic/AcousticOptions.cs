namespace Amber.Data.Features.Acoustic;

/// <summary>Framing and filterbank settings of the built-in acoustic features (defaults: 25 ms frames, 10 ms hop at 16 kHz).</summary>
public sealed record AcousticOptions
{
    /// <summary>Expected sample rate; other rates are rejected rather than silently mis-scaled.</summary>
    public int SampleRate { get; init; } = 16000;

    /// <summary>Frame length in samples (400 = 25 ms).</summary>
    public int FrameLength { get; init; } = 400;

    /// <summary>Hop in samples (160 = 10 ms).</summary>
    public int Hop { get; init; } = 160;

    /// <summary>FFT size (power of two ≥ frame length).</summary>
    public int FftSize { get; init; } = 512;

    /// <summary>Mel bands (HTK mel scale, triangles without area normalization).</summary>
    public int MelBands { get; init; } = 40;

    /// <summary>MFCCs kept (orthonormal DCT-II of the log mel energies, c0 included).</summary>
    public int Mfccs { get; init; } = 13;

    /// <summary>Lowest and highest pitch searched (Hz).</summary>
    public double MinPitch { get; init; } = 60;

    /// <inheritdoc cref="MinPitch"/>
    public double MaxPitch { get; init; } = 400;

    /// <summary>Normalized autocorrelation peak above which a frame counts as voiced.</summary>
    public double VoicingThreshold { get; init; } = 0.5;

    /// <summary>Frames more than this many dB below the utterance's loudest frame are silence and left out of the statistics.</summary>
    public double SilenceDb { get; init; } = 40;
}
