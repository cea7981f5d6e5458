namespace Amber.Worker.Collectives;

/// <summary>
/// Who this process is in a gang: the attempt it belongs to, its rank, and every rank's advertised endpoint
/// (<c>host:port</c>, index = rank). Handed out by the run grain once W workers hold the run.
/// </summary>
/// <param name="GangId">
/// Identifies the gang (for example run id plus attempt). Peers exchange it in the handshake, so a connection left over
/// from an earlier attempt, or from another run, is refused instead of being mixed into this one.
/// </param>
/// <param name="Rank">This process's rank.</param>
/// <param name="Endpoints">The ranks' listener endpoints, in rank order.</param>
public sealed record GangMembership(string GangId, int Rank, IReadOnlyList<string> Endpoints)
{
    /// <summary>The number of ranks.</summary>
    public int WorldSize => Endpoints.Count;

    /// <summary>The rank this one sends to.</summary>
    public int Right => (Rank + 1) % WorldSize;

    /// <summary>The rank this one receives from.</summary>
    public int Left => (Rank + WorldSize - 1) % WorldSize;

    /// <summary>Throws <see cref="ArgumentException"/> when the membership cannot describe a gang.</summary>
    public void Validate()
    {
        if (string.IsNullOrEmpty(GangId) || System.Text.Encoding.UTF8.GetByteCount(GangId) > RingHandshake.MaxGangIdBytes)
        {
            throw new ArgumentException($"GangMembership.GangId '{GangId}' must be 1 to {RingHandshake.MaxGangIdBytes} UTF-8 bytes.");
        }
        if (Endpoints is null || Endpoints.Count < 1)
        {
            throw new ArgumentException("GangMembership.Endpoints is empty; expected one endpoint per rank.");
        }
        if (Rank < 0 || Rank >= Endpoints.Count)
        {
            throw new ArgumentException($"GangMembership.Rank = {Rank}; expected in [0, {Endpoints.Count - 1}] for {Endpoints.Count} endpoints.");
        }
    }
}
