namespace Amber.Data.Protocols;

/// <summary>One fold: row indices (into a <c>FeatureSet</c> or corpus) of training, validation and test, each ascending.</summary>
/// <param name="Name">e.g. <c>session1</c> (tests on Session 1) or <c>official-Test1</c>.</param>
public sealed record FoldSplit(string Name, int[] Train, int[] Validation, int[] Test);

/// <summary>How the validation rows are drawn from the training sessions.</summary>
public enum ValidationSplit
{
    /// <summary>A seeded random share of the training rows (default).</summary>
    Random,

    /// <summary>Whole speakers, drawn in seeded random order until the share is reached.</summary>
    SpeakerDisjoint,
}
