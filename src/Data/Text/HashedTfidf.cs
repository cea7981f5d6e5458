using System.Text;

namespace Amber.Data.Text;

/// <summary>
/// Word and character n-grams hashed (FNV-1a) into a fixed number of buckets, weighted by TF-IDF with the smoothed idf
/// ln((1 + n) / (1 + df)) + 1 and L2-normalized per utterance. The idf is fitted on the training rows only; buckets never
/// seen in training get weight 0, so a test utterance contributes nothing the model could not have learned from.
/// </summary>
public sealed class HashedTfidf
{
    private readonly TextFeaturizerOptions _o;

    private HashedTfidf(TextFeaturizerOptions o, float[] idf)
    {
        _o = o;
        Idf = idf;
    }

    /// <summary>Per-bucket idf weights <c>[D]</c> (0 for buckets absent from the training rows).</summary>
    public float[] Idf { get; }

    /// <summary>D.</summary>
    public int Dimension => _o.Dimension;

    /// <summary>Fits the idf on <paramref name="trainRows"/> of <paramref name="texts"/>.</summary>
    public static HashedTfidf Fit(IReadOnlyList<string> texts, IReadOnlyList<int> trainRows, TextFeaturizerOptions? options = null)
    {
        options ??= new TextFeaturizerOptions();
        if (options.Dimension < 1) throw new ArgumentOutOfRangeException(nameof(options), options.Dimension, "Dimension must be at least 1");
        var df = new int[options.Dimension];
        var seen = new HashSet<int>();
        foreach (var r in trainRows)
        {
            seen.Clear();
            foreach (var bucket in Buckets(texts[r], options)) seen.Add(bucket);
            foreach (var b in seen) df[b]++;
        }
        int n = trainRows.Count;
        var idf = new float[options.Dimension];
        for (int b = 0; b < idf.Length; b++) idf[b] = df[b] == 0 ? 0 : (float)(Math.Log((1.0 + n) / (1.0 + df[b])) + 1);
        return new HashedTfidf(options, idf);
    }

    /// <summary>Features of one text into <paramref name="destination"/> (length D).</summary>
    public void Transform(string text, Span<float> destination)
    {
        destination.Clear();
        foreach (var b in Buckets(text, _o)) destination[b] += 1;
        double norm = 0;
        for (int b = 0; b < destination.Length; b++)
        {
            if (destination[b] == 0) continue;
            float tf = _o.SublinearTf ? 1 + MathF.Log(destination[b]) : destination[b];
            destination[b] = tf * Idf[b];
            norm += destination[b] * destination[b];
        }
        if (norm > 0)
        {
            float inv = (float)(1 / Math.Sqrt(norm));
            for (int b = 0; b < destination.Length; b++) destination[b] *= inv;
        }
    }

    /// <summary>Features of every text, <c>[N, D]</c> row-major.</summary>
    public float[] Transform(IReadOnlyList<string> texts)
    {
        var m = new float[texts.Count * Dimension];
        for (int i = 0; i < texts.Count; i++) Transform(texts[i], m.AsSpan(i * Dimension, Dimension));
        return m;
    }

    /// <summary>Lower-cased word tokens: runs of letters, digits and apostrophes.</summary>
    public static List<string> Tokenize(string text)
    {
        var tokens = new List<string>();
        var sb = new StringBuilder();
        foreach (var ch in text)
        {
            if (char.IsLetterOrDigit(ch) || ch == '\'') sb.Append(char.ToLowerInvariant(ch));
            else if (sb.Length > 0) { tokens.Add(sb.ToString()); sb.Clear(); }
        }
        if (sb.Length > 0) tokens.Add(sb.ToString());
        return tokens;
    }

    private static IEnumerable<int> Buckets(string text, TextFeaturizerOptions o)
    {
        var words = Tokenize(text);
        for (int n = 1; n <= o.WordNgramMax; n++)
        {
            for (int i = 0; i + n <= words.Count; i++) yield return Bucket("w", string.Join(' ', words.Skip(i).Take(n)), o.Dimension);
        }
        if (o.CharNgramMax <= 0) yield break;
        foreach (var w in words)
        {
            var padded = " " + w + " ";
            for (int n = o.CharNgramMin; n <= o.CharNgramMax; n++)
            {
                for (int i = 0; i + n <= padded.Length; i++) yield return Bucket("c", padded.Substring(i, n), o.Dimension);
            }
        }
    }

    private static int Bucket(string kind, string gram, int dimension)
    {
        uint h = 2166136261;
        foreach (var ch in kind + ":" + gram)
        {
            h ^= ch;
            h *= 16777619;
        }
        return (int)(h % (uint)dimension);
    }
}
