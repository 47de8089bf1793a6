#!/usr/bin/env bash
echo "hello from the simple app"
