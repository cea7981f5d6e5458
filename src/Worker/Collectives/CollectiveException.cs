namespace Amber.Worker.Collectives;

/// <summary>What went wrong in a collective.</summary>
public enum CollectiveFailure
{
    /// <summary>The peer sent or accepted no bytes within <see cref="CollectiveOptions.Timeout"/> (hung, stopped, or a rank behind it did).</summary>
    Timeout,
    /// <summary>The peer closed or reset the connection: it died, or it failed the collective itself and closed its sockets.</summary>
    ConnectionLost,
    /// <summary>The gang could not be formed: a peer was unreachable or refused the handshake.</summary>
    Handshake,
    /// <summary>The ranks disagree on what they are doing (buffer length, operation sequence).</summary>
    Mismatch,
    /// <summary>An earlier call failed; the collective is broken.</summary>
    Broken,
}

/// <summary>
/// A collective operation failed. Thrown on every rank of the gang: the rank that detects the failure closes its
/// sockets, so its neighbours fail at once instead of waiting for their own timeouts.
/// </summary>
public sealed class CollectiveException : Exception
{
    /// <summary>Creates the exception.</summary>
    public CollectiveException(string message, CollectiveFailure failure, int? peerRank, Exception? inner = null)
        : base(message, inner)
    {
        Failure = failure;
        PeerRank = peerRank;
    }

    /// <summary>Creates the exception (for serializers and tooling).</summary>
    public CollectiveException()
        : this("The collective failed.", CollectiveFailure.Broken, null)
    {
    }

    /// <summary>Creates the exception (for serializers and tooling).</summary>
    public CollectiveException(string message)
        : this(message, CollectiveFailure.Broken, null)
    {
    }

    /// <summary>Creates the exception (for serializers and tooling).</summary>
    public CollectiveException(string message, Exception inner)
        : this(message, CollectiveFailure.Broken, null, inner)
    {
    }

    /// <summary>What went wrong.</summary>
    public CollectiveFailure Failure { get; }

    /// <summary>The rank whose connection failed, as this rank saw it (null when no single peer is to blame).</summary>
    public int? PeerRank { get; }
}
