using System;
using System.Management.Automation;
using System.Text;

namespace MailAdmin.Commands;

/// <summary>
/// Lets -Encoding take a name ('utf8', 'ascii', 'iso-8859-1', 'windows-1252') or a code
/// page number, as the built-in cmdlets do, besides an Encoding object.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class EncodingTransformationAttribute : ArgumentTransformationAttribute
{
    public override object Transform(EngineIntrinsics engineIntrinsics, object inputData)
    {
        var value = inputData is PSObject ps ? ps.BaseObject : inputData;
        switch (value)
        {
            case Encoding encoding:
                return encoding;
            case int codePage:
                return Messages.Charsets.Get(codePage);
            case string name:
                switch (name.Replace("-", string.Empty).ToLowerInvariant())
                {
                    case "utf8":
                    case "utf8nobom":
                    case "utf8bom":
                    case "default":
                        return new UTF8Encoding(false);
                    case "ascii":
                    case "usascii":
                        return Encoding.ASCII;
                    case "unicode":
                    case "utf16":
                        return Encoding.Unicode;
                    case "latin1":
                        return Encoding.GetEncoding("iso-8859-1");
                }
                try
                {
                    return Messages.Charsets.Get(name);
                }
                catch (ArgumentException ex)
                {
                    throw new ArgumentTransformationMetadataException($"'{name}' is not a known encoding name.", ex);
                }
            default:
                throw new ArgumentTransformationMetadataException($"'{value}' is not an encoding name or code page.");
        }
    }
}
