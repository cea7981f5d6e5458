namespace Amber.Data.Text;

/// <summary>Settings of the hashed TF-IDF text features.</summary>
public sealed record TextFeaturizerOptions
{
    /// <summary>Output dimension (hash buckets). Default 1024.</summary>
    public int Dimension { get; init; } = 1024;

    /// <summary>Longest word n-gram (1 = unigrams only). Default 2.</summary>
    public int WordNgramMax { get; init; } = 2;

    /// <summary>Shortest character n-gram inside word boundaries. Default 3.</summary>
    public int CharNgramMin { get; init; } = 3;

    /// <summary>Longest character n-gram; 0 turns character n-grams off. Default 5.</summary>
    public int CharNgramMax { get; init; } = 5;

    /// <summary>Use 1 + ln(tf) instead of raw counts. Default true.</summary>
    public bool SublinearTf { get; init; } = true;
}
