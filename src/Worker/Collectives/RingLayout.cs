namespace Amber.Worker.Collectives;

/// <summary>
/// How a buffer of <c>length</c> floats is cut for a ring of <c>world</c> ranks: W segments
/// [s·n/W, (s+1)·n/W) (so lengths that W does not divide give segments differing by one), each cut into the same number
/// of chunks of at most <c>chunkFloats</c> (trailing chunks of a shorter segment may be empty). Sender and receiver
/// walk (step, chunk) in the same order, which is what lets chunk j of step k+1 leave as soon as chunk j of step k is in.
/// </summary>
internal readonly struct RingLayout
{
    private readonly int _length;
    private readonly int _world;
    private readonly int _chunkFloats;

    public RingLayout(int length, int world, int chunkFloats)
    {
        _length = length;
        _world = world;
        _chunkFloats = chunkFloats;
        var longestSegment = (length + world - 1) / world;
        ChunksPerSegment = Math.Max(1, (longestSegment + chunkFloats - 1) / chunkFloats);
    }

    /// <summary>Chunks per segment (the same for every segment).</summary>
    public int ChunksPerSegment { get; }

    /// <summary>Element range of chunk <paramref name="chunk"/> of segment <paramref name="segment"/> (Count 0 when empty).</summary>
    public (int Start, int Count) Chunk(int segment, int chunk)
    {
        var segmentStart = (int)((long)segment * _length / _world);
        var segmentEnd = (int)((long)(segment + 1) * _length / _world);
        var start = segmentStart + (long)chunk * _chunkFloats;
        if (start >= segmentEnd)
        {
            return (segmentStart, 0);
        }
        return ((int)start, (int)Math.Min(segmentEnd - start, _chunkFloats));
    }
}
