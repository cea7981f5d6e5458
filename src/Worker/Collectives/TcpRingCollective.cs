using System.Buffers.Binary;
using System.Net.Sockets;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace Amber.Worker.Collectives;

/// <summary>
/// Ring all-reduce over TCP between the ranks of a gang. Rank r keeps one connection to its right neighbour (r+1, sends
/// only) and one from its left neighbour (r−1, receives only).
/// <para>
/// <b>All-reduce</b> = reduce-scatter (W−1 steps: at step k rank r sends segment r−k and adds the segment r−k−1 it
/// receives into its own copy; afterwards rank r holds the complete sum of segment r+1) followed by all-gather (W−1
/// steps: the complete segments travel once more around the ring and are copied into place). Each rank sends and
/// receives 2·(W−1)/W of the buffer, the bandwidth-optimal amount.
/// </para>
/// <para>
/// <b>Broadcast</b> sends the root's buffer once around the ring (root → root+1 → … → root−1), chunk by chunk.
/// </para>
/// <para>
/// <b>Pipelining:</b> the calling thread receives and reduces; a dedicated send thread sends. Segments are cut into
/// chunks (<see cref="CollectiveOptions.ChunkBytes"/>); chunk j of step k+1 is sent as soon as chunk j of step k has been
/// received and reduced, so sending, receiving and adding overlap. Nothing is allocated per call.
/// </para>
/// <para>
/// <b>Determinism:</b> the complete sum of segment s is formed on one rank only, always in the same order
/// g[s] + g[s+1] + … + g[s+W−1] (ring order, starting at rank s), then copied to the others; so every rank receives
/// bitwise the same result, on every run. Segments start at different ranks, so the order differs between segments:
/// compared with one worker summing the same numbers, results agree to float rounding, not bitwise.
/// </para>
/// <para>
/// <b>Failure:</b> every send and receive has <see cref="CollectiveOptions.Timeout"/>; a dead peer (EOF, reset) or a
/// silent one (timeout) ends the operation with a <see cref="CollectiveException"/> naming the peer. The rank that
/// detects it shuts its sockets, so its neighbours see EOF at once and fail too: the whole gang fails the attempt.
/// </para>
/// </summary>
public sealed class TcpRingCollective : ICollective
{
    private const int HeaderBytes = 24; // per call: sequence number i64, length i64, root i64 (−1: all-reduce)
    private const int AllReduceRoot = -1;

    private readonly GangMembership _gang;
    private readonly CollectiveOptions _options;
    private readonly Socket _toRight;
    private readonly Socket _fromLeft;
    private readonly int _chunkFloats;
    private readonly float[] _staging;          // [chunk] a received chunk before it is added
    private readonly byte[] _sendHeader = new byte[HeaderBytes];
    private readonly byte[] _receiveHeader = new byte[HeaderBytes];
    private readonly float[] _barrierCell = new float[1];
    private readonly Thread _sender;
    private readonly object _gate = new();

    // The current operation, handed to the send thread; guarded by _gate.
    private nint _opBuffer;       // the caller's pinned buffer
    private int _opLength;
    private int _opRoot;          // AllReduceRoot, or the broadcasting rank
    private long _opSequence;
    private bool _opPending;
    private bool _sendDone = true;
    private long _receivedChunks;
    private CollectiveException? _failure;
    private bool _disposed;

    private TcpRingCollective(GangMembership gang, CollectiveOptions options, Socket toRight, Socket fromLeft)
    {
        _gang = gang;
        _options = options;
        _toRight = toRight;
        _fromLeft = fromLeft;
        var timeoutMs = (int)options.IoTimeout.TotalMilliseconds;
        foreach (var socket in (ReadOnlySpan<Socket>)[toRight, fromLeft])
        {
            socket.SendTimeout = timeoutMs;
            socket.ReceiveTimeout = timeoutMs;
        }
        _chunkFloats = options.ChunkBytes / sizeof(float);
        _staging = new float[_chunkFloats];
        _sender = new Thread(SendLoop) { IsBackground = true, Name = $"ring-send rank {gang.Rank}" };
        _sender.Start();
    }

    /// <inheritdoc/>
    public int Rank => _gang.Rank;

    /// <inheritdoc/>
    public int WorldSize => _gang.WorldSize;

    /// <summary>
    /// Forms the ring: connects to the right neighbour's endpoint (retrying while it is not yet listening) and accepts
    /// the left neighbour on <paramref name="listener"/>, both with a handshake on <see cref="GangMembership.GangId"/>.
    /// Every rank of the gang must call it. A gang of one needs no connection and gets a <see cref="SingleRankCollective"/>.
    /// </summary>
    /// <exception cref="CollectiveException">The ring was not formed within <see cref="CollectiveOptions.ConnectTimeout"/> or a peer refused it.</exception>
    public static ICollective Connect(RingListener listener, GangMembership gang, CollectiveOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(listener);
        ArgumentNullException.ThrowIfNull(gang);
        options ??= CollectiveOptions.Default;
        options.Validate();
        gang.Validate();
        if (gang.WorldSize == 1)
        {
            return new SingleRankCollective();
        }
        var deadlineUtc = DateTime.UtcNow + options.FormTimeout;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(options.FormTimeout);
        var connect = RingConnector.OnOwnThread(() => RingConnector.ConnectRight(gang, options, deadlineUtc, deadline.Token), $"ring-connect rank {gang.Rank}");
        // A refusal by the right neighbour ends the wait for the left one at once.
        _ = connect.ContinueWith(_ => CancelQuietly(deadline), CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        var refusals = new List<string>();
        Socket? left = null;
        try
        {
            left = RingConnector.AcceptLeft(listener, gang, refusals, deadline.Token);
            connect.GetAwaiter().GetResult();
        }
        catch (Exception ex)
        {
            CancelQuietly(deadline);
            left?.Dispose();
            Exception? connectError = null;
            try
            {
                connect.GetAwaiter().GetResult().Dispose();
            }
            catch (Exception e)
            {
                connectError = e; // the connect side failed too (or was cancelled just now): nothing to dispose
            }
            cancellationToken.ThrowIfCancellationRequested();
            if (ex is CollectiveException)
            {
                throw;
            }
            if (connectError is CollectiveException refusedByRight)
            {
                throw refusedByRight;
            }
            var pending = left is not null
                ? $"rank {gang.Right} at {gang.Endpoints[gang.Right]} (right neighbour) was not reached"
                : $"rank {gang.Left} (left neighbour) did not connect to {listener.Endpoint}";
            var refused = refusals.Count == 0 ? "" : $"; refused {refusals.Count} connection(s), the last: {refusals[^1]}";
            var why = ex is OperationCanceledException ? $"within {options.FormTimeout.TotalSeconds:0.#} s" : $"({ex.GetType().Name}: {ex.Message})";
            throw new CollectiveException(
                $"Rank {gang.Rank} of gang '{gang.GangId}': the ring was not formed {why}: {pending}{refused}.",
                CollectiveFailure.Handshake, left is not null ? gang.Right : gang.Left, ex);
        }
        return new TcpRingCollective(gang, options, connect.Result, left);
    }

    private static void CancelQuietly(CancellationTokenSource source)
    {
        try
        {
            source.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Connect has returned already.
        }
    }

    /// <summary><see cref="Connect"/> on a thread of its own (it blocks for up to the connect timeout), for callers that should not block.</summary>
    public static Task<ICollective> ConnectAsync(RingListener listener, GangMembership gang, CollectiveOptions? options = null,
        CancellationToken cancellationToken = default)
        => RingConnector.OnOwnThread(() => Connect(listener, gang, options, cancellationToken), $"ring-form rank {gang?.Rank}");

    /// <inheritdoc/>
    public void AllReduceSum(Span<float> buffer) => Run(buffer, AllReduceRoot);

    /// <summary>
    /// <inheritdoc/> The data flows once around the ring from the root, chunk by chunk, each rank forwarding a chunk as
    /// soon as it has it.
    /// </summary>
    public void Broadcast(Span<float> buffer, int root)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(root);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(root, WorldSize);
        Run(buffer, root);
    }

    /// <summary>Runs one operation: this thread receives, the send thread sends, both over the pinned buffer.</summary>
    private unsafe void Run(Span<float> buffer, int root)
    {
        lock (_gate)
        {
            ThrowIfUnusable();
        }
        fixed (float* pinned = buffer)
        {
            lock (_gate)
            {
                _opBuffer = (nint)pinned;
                _opLength = buffer.Length;
                _opRoot = root;
                _opSequence++;
                _receivedChunks = 0;
                _sendDone = false;
                _opPending = true;
                Monitor.PulseAll(_gate);
            }
            try
            {
                if (root == AllReduceRoot)
                {
                    ReceiveAllReduce(buffer);
                }
                else
                {
                    ReceiveBroadcast(buffer, root);
                }
            }
            catch (Exception ex)
            {
                Fail(Describe(ex, receiving: true));
            }
            // The send thread reads the pinned buffer: wait for it before the pin is released.
            lock (_gate)
            {
                while (!_sendDone)
                {
                    Monitor.Wait(_gate);
                }
                if (_failure is not null)
                {
                    throw _failure;
                }
            }
        }
    }

    /// <inheritdoc/>
    public void Barrier()
    {
        _barrierCell[0] = 1f;
        AllReduceSum(_barrierCell);
    }

    /// <summary>Closes both connections and stops the send thread.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
            Monitor.PulseAll(_gate);
        }
        CloseSockets();
        _sender.Join(TimeSpan.FromSeconds(5));
    }

    /// <summary>Reads the left neighbour's header and checks that it is doing the same call as this rank.</summary>
    private void ReceiveHeader(int length, int root)
    {
        ReceiveExactly(_receiveHeader);
        var theirSequence = BinaryPrimitives.ReadInt64LittleEndian(_receiveHeader);
        var theirLength = BinaryPrimitives.ReadInt64LittleEndian(_receiveHeader.AsSpan(8));
        var theirRoot = BinaryPrimitives.ReadInt64LittleEndian(_receiveHeader.AsSpan(16));
        if (theirSequence != _opSequence || theirLength != length || theirRoot != root)
        {
            throw new CollectiveException(
                $"Rank {Rank}: rank {_gang.Left} (left neighbour) is in collective call #{theirSequence}, {Describe(theirRoot)} of {theirLength} floats; this rank in call #{_opSequence}, {Describe(root)} of {length}. Every rank must make the same calls, with the same root and buffer length.",
                CollectiveFailure.Mismatch, _gang.Left);
        }

        static string Describe(long root) => root == AllReduceRoot ? "an all-reduce" : $"a broadcast from rank {root}";
    }

    private void WriteHeader(int length, long sequence, int root)
    {
        BinaryPrimitives.WriteInt64LittleEndian(_sendHeader, sequence);
        BinaryPrimitives.WriteInt64LittleEndian(_sendHeader.AsSpan(8), length);
        BinaryPrimitives.WriteInt64LittleEndian(_sendHeader.AsSpan(16), root);
        SendExactly(_sendHeader);
    }

    private void ReceiveAllReduce(Span<float> buffer)
    {
        ReceiveHeader(buffer.Length, AllReduceRoot);
        var layout = new RingLayout(buffer.Length, WorldSize, _chunkFloats);
        var steps = 2 * (WorldSize - 1);
        for (var step = 0; step < steps; step++)
        {
            var segment = Modulo(Rank - step - 1);
            var reduce = step < WorldSize - 1;
            for (var chunk = 0; chunk < layout.ChunksPerSegment; chunk++)
            {
                var (start, count) = layout.Chunk(segment, chunk);
                if (count > 0)
                {
                    var target = buffer.Slice(start, count);
                    if (reduce)
                    {
                        var received = _staging.AsSpan(0, count);
                        ReceiveExactly(MemoryMarshal.AsBytes(received));
                        TensorPrimitives.Add(target, received, target);
                    }
                    else
                    {
                        ReceiveExactly(MemoryMarshal.AsBytes(target));
                    }
                }
                lock (_gate)
                {
                    _receivedChunks++;
                    Monitor.PulseAll(_gate);
                }
            }
        }
    }

    /// <summary>Every rank but the root receives the whole buffer from its left neighbour, chunk by chunk.</summary>
    private void ReceiveBroadcast(Span<float> buffer, int root)
    {
        if (Rank == root)
        {
            return;
        }
        ReceiveHeader(buffer.Length, root);
        for (var start = 0; start < buffer.Length; start += _chunkFloats)
        {
            ReceiveExactly(MemoryMarshal.AsBytes(buffer.Slice(start, Math.Min(_chunkFloats, buffer.Length - start))));
            lock (_gate)
            {
                _receivedChunks++;
                Monitor.PulseAll(_gate);
            }
        }
    }

    /// <summary>The root sends the buffer; every other rank but the last before the root forwards each chunk it received.</summary>
    private unsafe void SendBroadcast(nint buffer, int length, long sequence, int root)
    {
        if (Modulo(Rank - root) == WorldSize - 1)
        {
            return; // the root's left neighbour: its right neighbour is the root, which has the data
        }
        WriteHeader(length, sequence, root);
        var chunk = 0L;
        for (var start = 0; start < length; start += _chunkFloats, chunk++)
        {
            if (Rank != root && !WaitUntilReceived(chunk + 1))
            {
                return;
            }
            var count = Math.Min(_chunkFloats, length - start);
            SendExactly(new ReadOnlySpan<byte>((float*)buffer + start, count * sizeof(float)));
        }
    }

    private void SendLoop()
    {
        while (true)
        {
            nint buffer;
            int length, root;
            long sequence;
            lock (_gate)
            {
                while (!_opPending && !_disposed)
                {
                    Monitor.Wait(_gate);
                }
                if (_disposed)
                {
                    _sendDone = true;
                    Monitor.PulseAll(_gate);
                    return;
                }
                _opPending = false;
                (buffer, length, root, sequence) = (_opBuffer, _opLength, _opRoot, _opSequence);
            }
            try
            {
                if (root == AllReduceRoot)
                {
                    SendAllReduce(buffer, length, sequence);
                }
                else
                {
                    SendBroadcast(buffer, length, sequence, root);
                }
            }
            catch (Exception ex)
            {
                Fail(Describe(ex, receiving: false));
            }
            lock (_gate)
            {
                _sendDone = true;
                Monitor.PulseAll(_gate);
            }
        }
    }

    private unsafe void SendAllReduce(nint buffer, int length, long sequence)
    {
        WriteHeader(length, sequence, AllReduceRoot);
        var layout = new RingLayout(length, WorldSize, _chunkFloats);
        var steps = 2 * (WorldSize - 1);
        for (var step = 0; step < steps; step++)
        {
            var segment = Modulo(Rank - step);
            for (var chunk = 0; chunk < layout.ChunksPerSegment; chunk++)
            {
                // From step 1 on, this chunk is the one received (and reduced) in the previous step.
                if (step > 0 && !WaitUntilReceived(((long)step - 1) * layout.ChunksPerSegment + chunk + 1))
                {
                    return;
                }
                var (start, count) = layout.Chunk(segment, chunk);
                if (count > 0)
                {
                    SendExactly(new ReadOnlySpan<byte>((float*)buffer + start, count * sizeof(float)));
                }
            }
        }
    }

    /// <summary>Waits until the receiver has finished <paramref name="chunks"/> chunks; false when the operation failed.</summary>
    private bool WaitUntilReceived(long chunks)
    {
        lock (_gate)
        {
            while (_receivedChunks < chunks && _failure is null)
            {
                Monitor.Wait(_gate);
            }
            return _failure is null;
        }
    }

    private void ReceiveExactly(Span<byte> destination)
    {
        while (destination.Length > 0)
        {
            var n = _fromLeft.Receive(destination, SocketFlags.None, out var error);
            if (error != SocketError.Success)
            {
                throw new SocketException((int)error);
            }
            if (n == 0)
            {
                throw new EndOfStreamException();
            }
            destination = destination[n..];
        }
    }

    private void SendExactly(ReadOnlySpan<byte> source)
    {
        while (source.Length > 0)
        {
            var n = _toRight.Send(source, SocketFlags.None, out var error);
            if (error != SocketError.Success)
            {
                throw new SocketException((int)error);
            }
            source = source[n..];
        }
    }

    /// <summary>Records the first failure, wakes both threads and shuts the sockets so the neighbours fail fast too.</summary>
    private void Fail(CollectiveException failure)
    {
        lock (_gate)
        {
            if (_failure is not null)
            {
                return;
            }
            _failure = failure;
            Monitor.PulseAll(_gate);
        }
        CloseSockets();
    }

    private void CloseSockets()
    {
        foreach (var socket in (ReadOnlySpan<Socket>)[_toRight, _fromLeft])
        {
            try
            {
                socket.Shutdown(SocketShutdown.Both);
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                // Already closed or reset: nothing left to shut.
            }
            socket.Dispose();
        }
    }

    /// <summary>Turns a socket-level error into the message a person debugging the gang needs.</summary>
    private CollectiveException Describe(Exception ex, bool receiving)
    {
        lock (_gate)
        {
            if (_failure is not null)
            {
                return _failure; // the sockets were closed because of this earlier failure
            }
            if (_disposed)
            {
                return new CollectiveException($"Rank {Rank}: the collective was disposed during an operation.", CollectiveFailure.Broken, null, ex);
            }
        }
        if (ex is CollectiveException known)
        {
            return known;
        }
        var peer = receiving ? _gang.Left : _gang.Right;
        var who = $"rank {peer} ({(receiving ? "left" : "right")} neighbour, {_gang.Endpoints[peer]})";
        var seconds = _options.IoTimeout.TotalSeconds;
        var socketError = (ex as SocketException)?.SocketErrorCode;
        if (socketError is SocketError.TimedOut or SocketError.WouldBlock)
        {
            var message = receiving
                ? $"Rank {Rank}: no bytes from {who} for {seconds:0.#} s: it, or a rank before it in the ring, stopped answering (hung, stopped or overloaded)."
                : $"Rank {Rank}: {who} accepted no bytes for {seconds:0.#} s: it stopped reading (hung, stopped or overloaded).";
            return new CollectiveException(message, CollectiveFailure.Timeout, peer, ex);
        }
        if (ex is EndOfStreamException || socketError is SocketError.ConnectionReset or SocketError.ConnectionAborted or SocketError.Shutdown)
        {
            return new CollectiveException(
                $"Rank {Rank}: {who} closed the connection during a collective: its process died, or it failed the collective and closed its sockets.",
                CollectiveFailure.ConnectionLost, peer, ex);
        }
        return new CollectiveException($"Rank {Rank}: the connection to {who} failed: {ex.Message}", CollectiveFailure.ConnectionLost, peer, ex);
    }

    private void ThrowIfUnusable()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_failure is not null)
        {
            throw new CollectiveException($"The collective failed earlier and cannot be used again: {_failure.Message}",
                CollectiveFailure.Broken, _failure.PeerRank, _failure);
        }
    }

    private int Modulo(int rank) => ((rank % WorldSize) + WorldSize) % WorldSize;
}
