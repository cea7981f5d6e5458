using Amber.Data.Iemocap;
using Amber.Data.Msp;

namespace Amber.Data.Corpora;

/// <summary>
/// A corpus named on a command line: <c>iemocap:&lt;path&gt;</c>, <c>msp:&lt;path&gt;</c>, or a bare path (read as the
/// IEMOCAP layout, which is also what <c>amber data synth</c> writes).
/// </summary>
/// <param name="Kind"><c>iemocap</c> or <c>msp</c>.</param>
/// <param name="Path">Corpus folder.</param>
public sealed record CorpusSpec(string Kind, string Path)
{
    /// <summary>Parses the spec; throws <see cref="ArgumentException"/> naming the accepted forms.</summary>
    public static CorpusSpec Parse(string spec)
    {
        int colon = spec.IndexOf(':', StringComparison.Ordinal);
        if (colon > 1)
        {
            var kind = spec[..colon].ToLowerInvariant();
            var path = spec[(colon + 1)..];
            if (path.Length == 0) throw new ArgumentException($"corpus '{spec}' has no path; expected iemocap:<path> or msp:<path>");
            return kind switch
            {
                "iemocap" or "synthetic" => new CorpusSpec("iemocap", path),
                "msp" or "msp-podcast" => new CorpusSpec("msp", path),
                _ => throw new ArgumentException($"corpus kind '{kind}' in '{spec}' is unknown; expected iemocap:<path> or msp:<path>"),
            };
        }
        return new CorpusSpec("iemocap", spec);
    }

    /// <summary>Loads the corpus with shared options (subset and self-evaluations apply to IEMOCAP only).</summary>
    public (Corpus Corpus, LoadReport Report) Load(IemocapOptions? iemocap = null, MspOptions? msp = null) =>
        Kind == "msp" ? MspPodcastLoader.Load(Path, msp) : IemocapLoader.Load(Path, iemocap);
}
