namespace Amber.Worker.Collectives;

/// <summary>Settings of a <see cref="TcpRingCollective"/>.</summary>
/// <param name="Timeout">
/// How long one send or receive may make no progress before the peer is declared dead or hung (default 60 s). A peer
/// that is SIGSTOPped or stuck is detected within this time; one that dies is detected at once (EOF or reset). It
/// bounds waiting for the slowest rank too, so it must exceed how far ranks can drift apart between two collectives
/// (one training step, or an epoch's validation pass).
/// </param>
/// <param name="ConnectTimeout">How long forming the gang (connect, accept, handshake) may take (default 60 s).</param>
/// <param name="ChunkBytes">
/// Size of the pieces a ring step is cut into (default 256 KiB): a rank forwards a piece as soon as it has reduced it,
/// so the steps overlap (pipelining) while the pieces stay large enough for full-speed socket writes.
/// </param>
/// <param name="SocketBufferBytes">Kernel send and receive buffer size requested per socket (default 4 MiB).</param>
public sealed record CollectiveOptions(
    TimeSpan? Timeout = null,
    TimeSpan? ConnectTimeout = null,
    int ChunkBytes = 256 * 1024,
    int SocketBufferBytes = 4 * 1024 * 1024)
{
    /// <summary>The defaults.</summary>
    public static CollectiveOptions Default { get; } = new();

    /// <summary><see cref="Timeout"/> with its default applied.</summary>
    public TimeSpan IoTimeout => Timeout ?? TimeSpan.FromSeconds(60);

    /// <summary><see cref="ConnectTimeout"/> with its default applied.</summary>
    public TimeSpan FormTimeout => ConnectTimeout ?? TimeSpan.FromSeconds(60);

    /// <summary>Throws <see cref="ArgumentException"/> naming the field when a setting is out of range.</summary>
    public void Validate()
    {
        if (IoTimeout <= TimeSpan.Zero || IoTimeout.TotalMilliseconds > int.MaxValue)
        {
            throw new ArgumentException($"CollectiveOptions.Timeout = {IoTimeout}; expected > 0 and < 24 days.");
        }
        if (FormTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentException($"CollectiveOptions.ConnectTimeout = {FormTimeout}; expected > 0.");
        }
        if (ChunkBytes < 4 || ChunkBytes % 4 != 0)
        {
            throw new ArgumentException($"CollectiveOptions.ChunkBytes = {ChunkBytes}; expected a positive multiple of 4 (whole floats).");
        }
        if (SocketBufferBytes < 4096)
        {
            throw new ArgumentException($"CollectiveOptions.SocketBufferBytes = {SocketBufferBytes}; expected ≥ 4096.");
        }
    }
}
