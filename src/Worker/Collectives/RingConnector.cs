using System.Net.Sockets;

namespace Amber.Worker.Collectives;

/// <summary>
/// Forming the ring's two connections. Synchronous on purpose (see <see cref="RingHandshake"/>): the sockets stay in
/// blocking mode, whose sends and receives allocate nothing.
/// </summary>
internal static class RingConnector
{
    private static readonly TimeSpan HelloWait = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan PollSlice = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Dials the right neighbour until it listens and accepts the hello, or <paramref name="cancellationToken"/> fires
    /// (the caller cancels it at <paramref name="deadline"/>). The neighbour may call <c>Connect</c> much later than this
    /// rank (its listener queues the connection meanwhile), so the answer is awaited until the deadline.
    /// </summary>
    public static Socket ConnectRight(GangMembership gang, CollectiveOptions options, DateTime deadline, CancellationToken cancellationToken)
    {
        var (host, port) = RingListener.Parse(gang.Endpoints[gang.Right]);
        var hello = RingHandshake.Hello(gang.GangId, gang.Rank, gang.WorldSize);
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var socket = NewSocket(options);
            // Disposing the socket is how a blocked connect or handshake is abandoned at the deadline.
            using var abandon = cancellationToken.Register(socket.Dispose);
            try
            {
                socket.Connect(host, port);
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                // Not listening yet (or the deadline passed): try again until the deadline.
                socket.Dispose();
                cancellationToken.WaitHandle.WaitOne(50);
                continue;
            }
            try
            {
                socket.ReceiveTimeout = (int)Math.Clamp((deadline - DateTime.UtcNow).TotalMilliseconds, 1, int.MaxValue);
                socket.Send(hello);
                var answer = new byte[1];
                var n = socket.Receive(answer);
                if (n == 1 && answer[0] == RingHandshake.Accepted)
                {
                    cancellationToken.ThrowIfCancellationRequested(); // the socket may have been disposed just now
                    return socket;
                }
                throw new CollectiveException(
                    $"Rank {gang.Rank} of gang '{gang.GangId}': rank {gang.Right} at {gang.Endpoints[gang.Right]} refused the ring connection (it is in another gang or attempt, or expects another left neighbour).",
                    CollectiveFailure.Handshake, gang.Right);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }
    }

    /// <summary>
    /// Accepts connections until one is this gang's left neighbour. A connection naming another gang is parked on the
    /// listener for that gang (several gangs may form on one listener at once); one of this gang with the wrong rank or
    /// size, or no valid hello, is answered <see cref="RingHandshake.Refused"/>, closed and listed in <paramref name="refusals"/>.
    /// </summary>
    public static Socket AcceptLeft(RingListener listener, GangMembership gang, List<string> refusals, CancellationToken cancellationToken)
    {
        listener.StartAccepting(gang.GangId);
        try
        {
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (listener.TakeParked(gang.GangId) is { } parked)
                {
                    if (Settle(parked.Socket, RingHandshake.Check(parked.Hello, gang), refusals))
                    {
                        return parked.Socket;
                    }
                    continue;
                }
                var socket = listener.TryAccept(PollSlice);
                if (socket is null)
                {
                    continue;
                }
                try
                {
                    socket.NoDelay = true;
                    // A connection that never says hello must not hold up the gang for long.
                    socket.ReceiveTimeout = (int)HelloWait.TotalMilliseconds;
                    RingHello? hello;
                    string? malformed;
                    try
                    {
                        (hello, malformed) = RingHandshake.Read(socket);
                    }
                    catch (SocketException ex)
                    {
                        (hello, malformed) = (null, $"no valid hello ({ex.SocketErrorCode})");
                    }
                    if (hello is not null && hello.GangId != gang.GangId)
                    {
                        listener.Park(socket, hello);
                        continue;
                    }
                    if (Settle(socket, malformed ?? RingHandshake.Check(hello!, gang), refusals))
                    {
                        return socket;
                    }
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            }
        }
        finally
        {
            listener.StopAccepting(gang.GangId);
        }
    }

    /// <summary>Accepts the connection when <paramref name="refusal"/> is null (returns true), else refuses and closes it.</summary>
    private static bool Settle(Socket socket, string? refusal, List<string> refusals)
    {
        if (refusal is null)
        {
            socket.Send([RingHandshake.Accepted]);
            return true;
        }
        refusals.Add($"{EndpointOf(socket)}: {refusal}");
        RingHandshake.Refuse(socket);
        return false;
    }

    private static string EndpointOf(Socket socket)
    {
        try
        {
            return socket.RemoteEndPoint?.ToString() ?? "?";
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            return "?";
        }
    }

    /// <summary>
    /// Runs a blocking <paramref name="work"/> on a dedicated thread: forming a ring blocks for up to the connect timeout,
    /// and on a starved thread pool a queued work item could start seconds late.
    /// </summary>
    public static Task<T> OnOwnThread<T>(Func<T> work, string name)
    {
        var result = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                result.SetResult(work());
            }
            catch (Exception ex)
            {
                result.SetException(ex);
            }
        })
        { IsBackground = true, Name = name };
        thread.Start();
        return result.Task;
    }

    private static Socket NewSocket(CollectiveOptions options) => new(SocketType.Stream, ProtocolType.Tcp)
    {
        NoDelay = true,
        SendBufferSize = options.SocketBufferBytes,
        ReceiveBufferSize = options.SocketBufferBytes,
    };
}
