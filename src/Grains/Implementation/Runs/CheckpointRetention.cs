using Amber.Grains.Contracts;

namespace Amber.Grains.Runs;

/// <summary>
/// Which checkpoints a run keeps: the newest <c>keep</c> by epoch (a later attempt's checkpoint of the same epoch replaces
/// the earlier one). Pure, so it is tested as a table.
/// </summary>
public static class CheckpointRetention
{
    /// <summary>Adds <paramref name="added"/> to <paramref name="kept"/> (oldest first) and returns the new list and what falls out.</summary>
    public static (IReadOnlyList<CheckpointRef> Kept, IReadOnlyList<CheckpointRef> Dropped) Record(IReadOnlyList<CheckpointRef> kept, CheckpointRef added, int keep)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(keep, 1);
        if (kept.Any(k => k.Name == added.Name)) return (kept, []); // a repeated report changes nothing
        var all = kept.Append(added).ToList();
        // A checkpoint of an epoch at or after the new one came from an attempt that got further than this one's start:
        // it is superseded (the new attempt resumed from an earlier point), so the newest entries are this attempt's.
        var superseded = all.Where(k => k != added && k.Epoch >= added.Epoch).ToList();
        var ordered = all.Except(superseded).OrderBy(k => k.Epoch).ThenBy(k => k.Attempt).ToList();
        var dropped = superseded.Concat(ordered.Take(Math.Max(0, ordered.Count - keep))).ToList();
        return (ordered.Skip(Math.Max(0, ordered.Count - keep)).ToList(), dropped);
    }
}
