namespace Amber.Worker.Collectives;

/// <summary>
/// The communication a data-parallel gang needs: every rank calls the same operations in the same order with buffers of
/// the same length. The TCP ring (<see cref="TcpRingCollective"/>) is the implementation on CPU workers; a GPU cluster
/// would put NCCL or MPI behind this interface and leave the training loop unchanged.
/// </summary>
/// <remarks>
/// Results are deterministic: the same inputs give bitwise the same output on every rank and on every call. After a
/// failure (<see cref="CollectiveException"/>) the collective is broken for good: every later call throws, and the run
/// retries the attempt with a new gang. One thread at a time calls an instance (the training loop); it is not meant to be
/// shared by concurrent callers.
/// </remarks>
public interface ICollective : IDisposable
{
    /// <summary>This process's rank, 0 … <see cref="WorldSize"/> − 1.</summary>
    int Rank { get; }

    /// <summary>The number of ranks in the gang.</summary>
    int WorldSize { get; }

    /// <summary>Replaces <paramref name="buffer"/> on every rank with the element-wise sum over all ranks.</summary>
    /// <exception cref="CollectiveException">A peer died, stopped answering or disagrees on the buffer length.</exception>
    void AllReduceSum(Span<float> buffer);

    /// <summary>
    /// Replaces <paramref name="buffer"/> on every rank with the root's (for example parameters loaded by one rank).
    /// Every rank passes the same <paramref name="root"/>.
    /// </summary>
    /// <exception cref="CollectiveException">As <see cref="AllReduceSum"/>.</exception>
    void Broadcast(Span<float> buffer, int root);

    /// <summary>Returns once every rank has called it (fails like <see cref="AllReduceSum"/>).</summary>
    void Barrier();
}
