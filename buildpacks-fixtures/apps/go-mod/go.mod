module example.com/go-mod

go 1.21

require (
	github.com/gorilla/mux v1.8.0
	golang.org/x/net v0.15.0 // has a published advisory, fixed in v0.17.0
)

require (
	golang.org/x/text v0.13.0 // indirect
	example.com/internal/tools v0.0.0-00010101000000-000000000000 // indirect
)

replace example.com/internal/tools => ./tools

replace github.com/gorilla/mux v1.8.0 => github.com/gorilla/mux v1.8.1
