using System.Collections.Concurrent;
using Amber.Data.Audio;
using Amber.Data.Corpora;
using Amber.Data.Features.Acoustic;

namespace Amber.Data.Features;

/// <summary>Builds a <see cref="FeatureSet"/> from a corpus with the built-in acoustic features, in parallel over utterances.</summary>
public static class FeatureExtractor
{
    /// <summary>Source tag of the built-in acoustic features (bump when the layout changes).</summary>
    public const string BuiltinSource = "builtin-acoustic-v1";

    /// <summary>
    /// Reads every utterance's wav, computes <see cref="AcousticFeatures"/> on all cores, and returns the set with raw
    /// transcripts for per-fold text features.
    /// </summary>
    /// <param name="progress">Receives the number of utterances done so far.</param>
    /// <exception cref="DataFormatException">An utterance without a wav, an unreadable wav, or a wrong sample rate.</exception>
    public static FeatureSet ExtractBuiltin(Corpus corpus, AcousticOptions? options = null, IProgress<int>? progress = null,
        int? maxDegreeOfParallelism = null, CancellationToken cancellationToken = default)
    {
        options ??= new AcousticOptions();
        var names = AcousticFeatures.BuildNames(options);
        var speech = ExtractSpeech(corpus, 0, corpus.Utterances.Count, options, progress, maxDegreeOfParallelism, cancellationToken);
        return FeatureSet.FromCorpus(corpus, speech, names.Count, [.. names], BuiltinSource);
    }

    /// <summary>
    /// The built-in acoustic features of utterances <paramref name="first"/> … <paramref name="first"/> + <paramref name="count"/> − 1
    /// (corpus order) as a <c>[count, Da]</c> matrix. Each row depends only on its own wav, so a set extracted in shards
    /// equals the set extracted at once.
    /// </summary>
    /// <exception cref="DataFormatException">An utterance without a wav, an unreadable wav, or a wrong sample rate.</exception>
    public static float[] ExtractSpeech(Corpus corpus, int first, int count, AcousticOptions? options = null, IProgress<int>? progress = null,
        int? maxDegreeOfParallelism = null, CancellationToken cancellationToken = default)
    {
        options ??= new AcousticOptions();
        ArgumentOutOfRangeException.ThrowIfNegative(first);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(first + count, corpus.Utterances.Count, nameof(count));
        int dim = AcousticFeatures.BuildNames(options).Count;
        var speech = new float[count * dim];
        var extractors = new ConcurrentBag<AcousticFeatures>();
        int done = 0;
        try
        {
            Parallel.For(0, count, new ParallelOptions
            {
                MaxDegreeOfParallelism = maxDegreeOfParallelism ?? Environment.ProcessorCount,
                CancellationToken = cancellationToken,
            }, k =>
            {
                var u = corpus.Utterances[first + k];
                if (u.WavPath is null)
                {
                    throw new DataFormatException(corpus.Root, 0, null, "wav", u.Id, "a wav file for every utterance (load the corpus with RequireWav = true)");
                }
                var (samples, rate) = WavFile.Read(u.WavPath);
                if (rate != options.SampleRate)
                {
                    throw new DataFormatException(u.WavPath, 0, null, "sample rate", rate.ToString(System.Globalization.CultureInfo.InvariantCulture), $"{options.SampleRate} Hz");
                }
                if (!extractors.TryTake(out var fx)) fx = new AcousticFeatures(options);
                fx.Compute(samples, speech.AsSpan(k * dim, dim));
                extractors.Add(fx);
                progress?.Report(Interlocked.Increment(ref done));
            });
        }
        catch (AggregateException e) when (e.InnerExceptions.Count > 0)
        {
            // Surface the first utterance's error itself (file, field, expectation), not the parallel loop's wrapper.
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
            throw;
        }
        return speech;
    }
}
