"""Live events to browsers: the SSE endpoint and the bus that carries events between processes."""
