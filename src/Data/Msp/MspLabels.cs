using Amber.Data.Corpora;

namespace Amber.Data.Msp;

/// <summary>MSP-Podcast emotion names and codes → class index (-1 outside the four classes) and a canonical label.</summary>
internal static class MspLabels
{
    private static readonly Dictionary<string, (string Label, int Class)> Known = new(StringComparer.OrdinalIgnoreCase)
    {
        ["A"] = ("Angry", EmotionClasses.Angry), ["Angry"] = ("Angry", EmotionClasses.Angry), ["Anger"] = ("Angry", EmotionClasses.Angry),
        ["S"] = ("Sad", EmotionClasses.Sad), ["Sad"] = ("Sad", EmotionClasses.Sad), ["Sadness"] = ("Sad", EmotionClasses.Sad),
        ["H"] = ("Happy", EmotionClasses.Happy), ["Happy"] = ("Happy", EmotionClasses.Happy), ["Happiness"] = ("Happy", EmotionClasses.Happy),
        ["N"] = ("Neutral", EmotionClasses.Neutral), ["Neutral"] = ("Neutral", EmotionClasses.Neutral),
        ["U"] = ("Surprise", -1), ["Surprise"] = ("Surprise", -1),
        ["F"] = ("Fear", -1), ["Fear"] = ("Fear", -1),
        ["D"] = ("Disgust", -1), ["Disgust"] = ("Disgust", -1),
        ["C"] = ("Contempt", -1), ["Contempt"] = ("Contempt", -1),
        ["O"] = ("Other", -1), ["Other"] = ("Other", -1),
        ["X"] = ("NoAgreement", -1),
    };

    /// <summary>Canonical label and class of a primary emotion; <c>Other-&lt;text&gt;</c> is Other. Null when unknown.</summary>
    public static (string Label, int Class)? Primary(string value)
    {
        var v = value.Trim();
        if (v.StartsWith("Other", StringComparison.OrdinalIgnoreCase)) return ("Other", -1);
        return Known.TryGetValue(v, out var r) ? r : null;
    }

    /// <summary>Class of a secondary emotion word (only the four class names count), or -1.</summary>
    public static int Secondary(string value) => Known.TryGetValue(value.Trim(), out var r) && value.Trim().Length > 1 ? r.Class : -1;
}
