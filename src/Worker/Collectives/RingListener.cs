using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Amber.Worker.Collectives;

/// <summary>
/// A worker's TCP listener for ring connections. Started once per worker; its <see cref="Endpoint"/> is what the worker
/// advertises (through its worker grain). Each gang formed by <see cref="TcpRingCollective.Connect"/> accepts its left
/// neighbour from it; connections of other gangs are refused in the handshake, so one listener serves attempt after attempt.
/// <para>
/// Several gangs may form on one listener at once (a worker with several slots): whichever gang accepts a connection
/// meant for another parks it here, and the gang it names takes it. A parked connection no gang claims within a grace
/// period (a stale attempt, another run, a gang that never started here) is refused by the listener's sweeper.
/// </para>
/// </summary>
public sealed class RingListener : IDisposable
{
    /// <summary>How long a connection for a gang that is not accepting here waits for that gang to start accepting.</summary>
    internal static readonly TimeSpan UnclaimedGrace = TimeSpan.FromSeconds(2);

    private readonly Socket _socket;
    private readonly object _acceptGate = new();
    private readonly object _parkGate = new();
    private readonly List<ParkedConnection> _parked = [];
    private readonly Dictionary<string, int> _accepting = new(StringComparer.Ordinal);
    private readonly Timer _sweeper;

    private RingListener(Socket socket, string endpoint)
    {
        _socket = socket;
        Endpoint = endpoint;
        _sweeper = new Timer(_ => RefuseExpired(DateTime.UtcNow), null, TimeSpan.FromMilliseconds(250), TimeSpan.FromMilliseconds(250));
    }

    /// <summary>The advertised endpoint, <c>host:port</c>.</summary>
    public string Endpoint { get; }

    /// <summary>
    /// Listens on <paramref name="bind"/>:<paramref name="port"/> (port 0: any free port). <paramref name="advertisedHost"/>
    /// is the host name or address peers should dial (default: the bound address, which must then not be a wildcard).
    /// </summary>
    public static RingListener Start(IPAddress bind, int port = 0, string? advertisedHost = null, int socketBufferBytes = 4 * 1024 * 1024)
    {
        if ((bind.Equals(IPAddress.Any) || bind.Equals(IPAddress.IPv6Any)) && advertisedHost is null)
        {
            throw new ArgumentException($"Listening on the wildcard address {bind} needs an advertisedHost peers can dial.", nameof(advertisedHost));
        }
        var socket = new Socket(bind.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            // Accepted sockets inherit these, and the window size is negotiated at connect time.
            socket.ReceiveBufferSize = socketBufferBytes;
            socket.SendBufferSize = socketBufferBytes;
            socket.Bind(new IPEndPoint(bind, port));
            socket.Listen(16);
            var bound = (IPEndPoint)socket.LocalEndPoint!;
            var host = advertisedHost ?? (bind.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{bind}]" : bind.ToString());
            return new RingListener(socket, $"{host}:{bound.Port.ToString(CultureInfo.InvariantCulture)}");
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Accepts the next connection within <paramref name="wait"/>, else null (the caller runs the handshake).</summary>
    internal Socket? TryAccept(TimeSpan wait)
    {
        var micros = (int)Math.Clamp(wait.TotalMicroseconds, 0, int.MaxValue);
        // Poll and accept under one lock: two gangs accepting at once must not both see one pending connection and then
        // block in Accept for a connection the other took.
        lock (_acceptGate)
        {
            return _socket.Poll(micros, SelectMode.SelectRead) ? _socket.Accept() : null;
        }
    }

    /// <summary>The gang <paramref name="gangId"/> accepts its left neighbour on this listener now.</summary>
    internal void StartAccepting(string gangId)
    {
        lock (_parkGate)
        {
            _accepting[gangId] = _accepting.GetValueOrDefault(gangId) + 1;
        }
    }

    /// <summary>The gang stopped accepting (formed or gave up).</summary>
    internal void StopAccepting(string gangId)
    {
        lock (_parkGate)
        {
            if (--_accepting[gangId] == 0)
            {
                _accepting.Remove(gangId);
            }
        }
    }

    /// <summary>Keeps a connection that named another gang until that gang takes it or its grace runs out.</summary>
    internal void Park(Socket socket, RingHello hello)
    {
        lock (_parkGate)
        {
            // A gang accepting right now takes it at its next poll; otherwise give the gang a moment to start accepting.
            var grace = _accepting.ContainsKey(hello.GangId) ? TimeSpan.FromSeconds(10) : UnclaimedGrace;
            _parked.Add(new ParkedConnection(socket, hello, DateTime.UtcNow + grace));
        }
    }

    /// <summary>Takes a parked connection that named <paramref name="gangId"/>, or null.</summary>
    internal ParkedConnection? TakeParked(string gangId)
    {
        lock (_parkGate)
        {
            var index = _parked.FindIndex(p => p.Hello.GangId == gangId);
            if (index < 0)
            {
                return null;
            }
            var parked = _parked[index];
            _parked.RemoveAt(index);
            return parked;
        }
    }

    private void RefuseExpired(DateTime now)
    {
        List<ParkedConnection> expired;
        lock (_parkGate)
        {
            expired = _parked.FindAll(p => p.RefuseAfter <= now);
            _parked.RemoveAll(p => p.RefuseAfter <= now);
        }
        foreach (var p in expired)
        {
            RingHandshake.Refuse(p.Socket);
        }
    }

    /// <summary>Stops listening and refuses what is parked.</summary>
    public void Dispose()
    {
        _sweeper.Dispose();
        _socket.Dispose();
        RefuseExpired(DateTime.MaxValue);
    }

    /// <summary>Splits <c>host:port</c> (or <c>[v6]:port</c>) into host and port.</summary>
    internal static (string Host, int Port) Parse(string endpoint)
    {
        var colon = endpoint?.LastIndexOf(':') ?? -1;
        if (colon <= 0 || !int.TryParse(endpoint.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
        {
            throw new ArgumentException($"Endpoint '{endpoint}' is not host:port (port 1–65535).");
        }
        var host = endpoint![..colon].Trim('[', ']');
        return (host, port);
    }
}

/// <summary>A connection accepted by one gang but meant for another, waiting on the listener.</summary>
internal sealed record ParkedConnection(Socket Socket, RingHello Hello, DateTime RefuseAfter);
