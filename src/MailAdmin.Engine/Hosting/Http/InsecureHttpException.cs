using System;

namespace MailAdmin.Hosting.Http;

/// <summary>HTTP was asked for on an address other hosts reach, without credentials: the server does not start.</summary>
public sealed class InsecureHttpException : InvalidOperationException
{
    public InsecureHttpException(string message) : base(message) { }
}
