console.log("dla")
