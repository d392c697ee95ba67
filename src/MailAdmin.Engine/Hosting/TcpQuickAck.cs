using System;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace MailAdmin.Hosting;

/// <summary>
/// Asks Linux to acknowledge received data at once (TCP_QUICKACK) instead of after its
/// delayed-ACK timer. Why: clients such as Python's imaplib send an APPEND literal and its
/// closing CRLF in two writes with Nagle's algorithm on, so the CRLF waits for our ACK of
/// the literal; with a delayed ACK every APPEND costs ~40 ms (measured: 22 APPENDs/s
/// against Dovecot's 940 with the same client). The flag is one-shot in the kernel, so it
/// is asked for again after every read. Elsewhere, or if the call fails, it does nothing.
/// </summary>
internal static class TcpQuickAck
{
    private const int IpProtoTcp = 6;
    private const int TcpQuickAckOption = 12;
    private static bool _available = RuntimeInformation.IsOSPlatform(OSPlatform.Linux);

    public static void Request(Socket socket)
    {
        if (!_available) return;
        try
        {
            int on = 1;
            if (setsockopt(socket.Handle.ToInt32(), IpProtoTcp, TcpQuickAckOption, ref on, sizeof(int)) != 0)
                _available = false;
        }
        catch (Exception ex) when (ex is DllNotFoundException || ex is EntryPointNotFoundException || ex is ObjectDisposedException)
        {
            if (!(ex is ObjectDisposedException)) _available = false;
        }
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int setsockopt(int socket, int level, int optionName, ref int optionValue, int optionLength);
}
