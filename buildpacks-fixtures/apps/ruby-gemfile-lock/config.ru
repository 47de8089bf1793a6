require "sinatra"
get("/") { "ruby-gemfile-lock\n" }
run Sinatra::Application
