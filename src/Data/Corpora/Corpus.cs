namespace Amber.Data.Corpora;

/// <summary>A loaded corpus: its kept utterances in a stable order (the loader's file order).</summary>
/// <param name="Name">Short corpus name: <c>iemocap</c>, <c>msp-podcast</c>, <c>synthetic</c>.</param>
/// <param name="Root">Folder it was read from.</param>
/// <param name="Utterances">Kept utterances.</param>
public sealed record Corpus(string Name, string Root, IReadOnlyList<Utterance> Utterances)
{
    /// <summary>Class names of every soft label (<see cref="EmotionClasses.Names"/>).</summary>
    public IReadOnlyList<string> Classes => EmotionClasses.Names;
}
