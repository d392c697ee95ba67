using System;

namespace MailAdmin.Hosting.Http;

/// <summary>A request the server cannot take: answered with <see cref="Status"/>, then the connection is closed.</summary>
internal sealed class HttpStatusException : Exception
{
    public HttpStatusException(int status, string message) : base(message) => Status = status;

    public int Status { get; }
}
