namespace Amber.Data.Corpora;

/// <summary>The four target classes, in the order every soft-label vector uses.</summary>
public static class EmotionClasses
{
    /// <summary>Number of classes (C).</summary>
    public const int Count = 4;

    /// <summary>Index of neutral.</summary>
    public const int Neutral = 0;

    /// <summary>Index of happy (IEMOCAP Happiness and Excited).</summary>
    public const int Happy = 1;

    /// <summary>Index of angry.</summary>
    public const int Angry = 2;

    /// <summary>Index of sad.</summary>
    public const int Sad = 3;

    /// <summary>Class names in index order: neutral, happy, angry, sad.</summary>
    public static IReadOnlyList<string> Names { get; } = ["neutral", "happy", "angry", "sad"];

    /// <summary>Index of a class name, or -1.</summary>
    public static int IndexOf(string name)
    {
        for (int i = 0; i < Count; i++)
        {
            if (string.Equals(Names[i], name, StringComparison.OrdinalIgnoreCase)) return i;
        }
        return -1;
    }
}
