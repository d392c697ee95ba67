// placeholder: the web inbox page replaces this file
