namespace Amber.Data.Iemocap;

/// <summary>One utterance block of an EmoEvaluation file: the summary line and the categorical selections.</summary>
internal sealed record EvaluationBlock(string Id, double Start, double End, string Code, double[] Vad, int Line)
{
    /// <summary>Categorical lines in file order: evaluator tag (<c>E2</c>, <c>F1</c>…) and the labels selected.</summary>
    public List<(string Who, List<string> Labels)> Selections { get; } = [];
}
