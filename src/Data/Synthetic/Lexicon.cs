using Amber.Data.Corpora;

namespace Amber.Data.Synthetic;

/// <summary>
/// Word choice carries emotion in the synthetic transcripts: each word is, with the lexical-emotion rate, drawn from the
/// lexicon of a class sampled from the utterance's text-side latent distribution, and otherwise a neutral filler.
/// </summary>
internal static class Lexicon
{
    private static readonly string[][] ByClass =
    [
        ["okay", "fine", "sure", "alright", "usually", "schedule", "form", "address", "office", "tuesday", "number", "paper",
         "appointment", "document", "normal", "line", "window", "standard", "noted", "regular"],
        ["great", "wonderful", "love", "amazing", "happy", "fantastic", "awesome", "excited", "yay", "laugh", "beautiful",
         "glad", "celebrate", "perfect", "fun", "delighted", "brilliant", "married", "congratulations", "thrilled"],
        ["hate", "ridiculous", "stupid", "damn", "unbelievable", "furious", "shut", "idiot", "outrageous", "liar", "sick",
         "enough", "angry", "useless", "never", "fault", "disgusting", "yell", "insane", "mad"],
        ["miss", "sorry", "lost", "alone", "cry", "gone", "tired", "hurts", "funeral", "empty", "sad", "lonely", "goodbye",
         "died", "regret", "broken", "heavy", "nobody", "grief", "tears"],
    ];

    private static readonly string[] Fillers =
    [
        "i", "you", "the", "a", "it", "is", "we", "that", "to", "and", "was", "just", "what", "this", "have", "do", "know",
        "so", "well", "there", "he", "she", "they", "my", "your", "me", "at", "in", "on", "with", "about", "really", "think",
        "get", "go", "now", "here", "right", "yeah", "mean", "like", "but", "going", "can", "all", "one", "time", "said",
        "want", "did", "not", "be", "if", "how", "why", "who", "look", "come", "still", "again",
    ];

    public static string Compose(ReadOnlySpan<double> piText, int words, double emotionRate, Random rng)
    {
        var parts = new string[words];
        for (int w = 0; w < words; w++)
        {
            if (rng.NextDouble() < emotionRate)
            {
                var list = ByClass[Sampling.Categorical(rng, piText)];
                parts[w] = list[rng.Next(list.Length)];
            }
            else
            {
                parts[w] = Fillers[rng.Next(Fillers.Length)];
            }
        }
        var text = string.Join(' ', parts);
        return char.ToUpperInvariant(text[0]) + text[1..] + (rng.NextDouble() < 0.2 ? "?" : ".");
    }

    /// <summary>Words per class, for the documentation and tests.</summary>
    public static IReadOnlyList<string> WordsOf(int c) => c is >= 0 and < EmotionClasses.Count ? ByClass[c] : [];
}
